# Seeds of fuzz_sipreg: set-up byte, then NUL-separated registrar templates.
import os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
def resp(code, reason, hdrs='', via='TCP'):
    return ('SIP/2.0 %d %s\r\nVia: SIP/2.0/%s 192.0.2.10:5062;branch=$b;rport=5062;received=192.0.2.10\r\n'
            'From: <sip:alice@example.test>;tag=$f\r\nTo: <sip:alice@example.test>;tag=reg1\r\n'
            'Call-ID: $c\r\nCSeq: $n REGISTER\r\n%sContent-Length: 0\r\n\r\n' % (code, reason, via, hdrs))
ok = lambda e=600, extra='': resp(200, 'OK', 'Contact: <$u>;expires=%d\r\n%s' % (e, extra))
ch_md5 = 'WWW-Authenticate: Digest realm="example.test", nonce="abc123", qop="auth", algorithm=MD5, opaque="o1"\r\n'
ch_sha = 'Proxy-Authenticate: Digest realm="example.test", nonce="n2", algorithm=SHA-256, qop="auth-int,auth"\r\n'
ch_old = 'WWW-Authenticate: Digest realm="r", nonce="n3"\r\nWWW-Authenticate: Basic realm="r"\r\n'
def seed(name, flags, *templates):
    b = bytes([flags]) + b'\0'.join(t.encode('latin-1') for t in templates)
    open(os.path.join(out, name), 'wb').write(b)
for proto, f in (('tcp', 1), ('udp', 0)):
    via = 'TCP' if f else 'UDP'
    seed('ok-stop-%s' % proto, f | 16, 'R' + ok(), 'S', 'R' + resp(200, 'OK', 'Expires: 0\r\n', via))
    seed('refresh-%s' % proto, f, 'R' + ok(30), 'R' + ok(30), 'R' + resp(200, 'OK', 'Expires: 45\r\n', via), 'S', 'R' + ok(0))
    seed('digest-md5-%s' % proto, f | 2, 'R' + resp(401, 'Unauthorized', ch_md5, via), 'R' + ok(), 'S', 'R' + ok(0))
    seed('retry-after-%s' % proto, f, 'R' + resp(503, 'Service Unavailable', 'Retry-After: 5\r\n', via), 'R' + resp(100, 'Trying', '', via) + ok(), 'S', 'N')
seed('digest-sha256-proxy', 1 | 2 | 16, 'R' + resp(407, 'Proxy Authentication Required', ch_sha), 'R' + resp(407, 'Proxy Authentication Required', ch_sha.replace('n2', 'n2", stale=true, x="')), 'R' + ok(), 'S', 'R' + ok(0))
seed('digest-rejected', 1 | 2, 'R' + resp(401, 'Unauthorized', ch_md5), 'R' + resp(401, 'Unauthorized', ch_md5), 'S')
seed('digest-nopassword', 1, 'R' + resp(401, 'Unauthorized', ch_old))
seed('digest-unsupported', 3, 'R' + resp(401, 'Unauthorized', 'WWW-Authenticate: Digest realm="r", nonce="x", algorithm=MD5-sess, qop="auth-int"\r\n'))
seed('interval', 1, 'R' + resp(423, 'Interval Too Brief', 'Min-Expires: 3600\r\n'), 'R' + ok(3600), 'S', 'R' + ok(0))
seed('interval-bad', 1, 'R' + resp(423, 'Interval Too Brief', 'Min-Expires: 10\r\n'), 'S')
seed('redirect', 1, 'R' + resp(302, 'Moved', 'Contact: <sip:other.test:5070;transport=tcp>\r\n'), 'R' + ok(), 'S', 'R' + ok(0))
seed('redirect-twice', 0, 'R' + resp(301, 'Moved', 'Contact: <sip:[2001:db8::1]>\r\n', 'UDP'), 'R' + resp(302, 'Moved', 'Contact: <sip:x.test>\r\n', 'UDP'), 'S')
seed('forbidden', 1, 'R' + resp(403, 'Forbidden'))
seed('outbound-pings', 1 | 4 | 8, 'R' + ok(600, 'Require: outbound\r\nFlow-Timer: 30\r\nSupported: path\r\n'), 'S', 'R' + ok(0))
seed('outbound-nopong', 1 | 4, 'R' + ok(600, 'Require: outbound\r\nFlow-Timer: 20\r\n'), 'R' + ok(), 'S', 'R' + ok(0))
seed('granted-zero', 1, 'R' + resp(200, 'OK', 'Contact: <sip:someone@else>;expires=60\r\nExpires: 0\r\n'), 'S')
seed('instance-contacts', 1 | 4 | 16, 'R' + resp(200, 'OK', 'Contact: <sip:a@b>;expires=30, <$u>;expires=120;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1\r\n'), 'S', 'R' + ok(0))
seed('close-reconnect', 1, 'C' + ok(), 'R' + ok(), 'S', 'C' + ok(0))
seed('duplicate-and-stray', 1, 'D' + ok(), 'R' + resp(200, 'OK', '').replace('$b', 'z9hG4bKother') + ok(), 'S', 'R' + ok(0))
seed('request-from-registrar', 1, 'RNOTIFY sip:alice@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/TCP r;branch=z9hG4bKn\r\nFrom: <sip:r>;tag=1\r\nTo: <sip:alice@example.test>\r\nCall-ID: n1\r\nCSeq: 1 NOTIFY\r\nContent-Length: 0\r\n\r\n' + ok(), 'S', 'R' + ok(0))
seed('malformed', 1, 'RSIP/2.0 200 OK\r\nVia: broken\r\n\r\n', 'R' + ok(), 'S')
seed('silence-udp', 0, 'N', 'N', 'R' + resp(500, 'Server Error', '', 'UDP'))
seed('server-error-stop', 0, 'R' + resp(480, 'Temporarily Unavailable', 'Retry-After: 4000\r\n', 'UDP'), 'S', 'N')
