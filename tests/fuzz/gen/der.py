def read_tlv(b, i):
    tag = b[i]; i += 1
    l = b[i]; i += 1
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i:i+n], 'big'); i += n
    return tag, i, l  # tag, value start, length
def children(b, start, end):
    out = []
    i = start
    while i < end:
        tag, vs, l = read_tlv(b, i)
        out.append((tag, i, vs, l))
        i = vs + l
    return out
def tbs_ext_field(der):
    tag, vs, l = read_tlv(der, 0)
    kids = children(der, vs, vs + l)
    ttag, ts, tvs, tl = kids[0]
    for tag, s, v, l in children(der, tvs, tvs + tl):
        if tag == 0xa3:
            return der[s:v + l]
    return None
