# embed.py PEMFILE CFILE: replaces the bodies of `static const char NAME_pem[] =` blocks
import sys, re
pems = {}; cur = None
for line in open(sys.argv[1]):
    if line.startswith('== '):
        cur = line[3:].strip(); pems[cur] = []
    else:
        pems[cur].append(line.rstrip('\n'))
src = open(sys.argv[2]).read()
for k, lines in pems.items():
    body = '\n'.join('\t"%s\\n"' % l for l in lines)
    pat = re.compile(r'(static const char %s_pem\[\] =\n)(?:\t"[^\n]*"\n)*\t"[^\n]*";' % re.escape(k))
    src, n = pat.subn(lambda m: m.group(1) + body + ';', src)
    assert n == 1, k
open(sys.argv[2], 'w').write(src)
