# Seeds of fuzz_pdusers: 2-byte users length, users text, attempts text.
import hashlib, os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
def ver(pin, it, salt):
    return 'pbkdf2-sha256$%d$%s$%s' % (it, salt.hex(), hashlib.pbkdf2_hmac('sha256', pin.encode(), salt, it).hex())
def seed(name, users, attempts=''):
    u = users.encode('latin-1'); a = attempts.encode('latin-1')
    open(os.path.join(out, name), 'wb').write(len(u).to_bytes(2, 'big') + u + a)
S = bytes(range(16))
seed('two-users', '# id phone verifier identities\nalice +15550100 %s sip:alice@example.test,sip:a2@example.test\n  bob - %s sip:bob@example.test\n' % (ver('123456', 10, S), ver('654321', 64, S[::-1])), 'alice 2\nbob 0\nnobody 7\n')
seed('crlf-tabs', 'carol\t+1\t%s\tsip:carol@x\r\n\n#\n\t# c\n' % ver('111111', 1, S), 'carol\t4\r\n')
seed('four-idents', 'dave 5 %s a,b,c,d,e,f\n' % ver('1', 2, S))
seed('dup-ids', 'eve 1 %s i1\neve 2 %s i2\nfrank 1 %s i3\n' % (ver('1', 1, S), ver('2', 1, S), ver('3', 1, S)), 'eve 9\n')
seed('bad-verifier', 'x 1 pbkdf2-sha256$0$00$00 i\n')
seed('bad-hex', 'x 1 pbkdf2-sha256$5$%s$%s i\n' % ('zz' * 16, '00' * 32))
seed('short-salt', 'x 1 pbkdf2-sha256$5$%s$%s i\n' % ('00' * 15, '00' * 32))
seed('huge-iter', 'x 1 %s i\n' % ver('1', 1, S).replace('$1$', '$4294967295$'))
seed('colon-id', 'a:b 1 %s i\n' % ver('1', 1, S))
seed('missing-fields', 'onlyid\nid phone\n')
seed('long-ident', 'g 1 %s %s\n' % (ver('1', 1, S), 'u' * 300))
seed('long-line', 'h 1 %s %s\n' % (ver('1', 1, S), ','.join(['v' * 200] * 5)))
seed('negative-attempts', 'i 1 %s id\n' % ver('1', 1, S), 'i -1\ni 99999999999\n%s 1\n' % ('i' * 80))
seed('no-newline', 'j 1 %s id' % ver('1', 1, S), 'j 3')
