#!/bin/sh
# What Postfix delivered is standard: a second OpenPGP implementation,
# Sequoia's sq, decrypts it, and Python's email package parses it as RFC 3156
# PGP/MIME.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
pf_need sq
[ -x /usr/bin/python3 ] || pf_cannot "/usr/bin/python3 is not installed"
pf_setup alice bob

tok=$(pf_token)
subj="interop test $(pf_token)"
cat >"$T/in" <<EOF_
From: Sender <root@$PF_DOMAIN>
To: $(addr alice), $(addr bob)
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <interop.$(pf_token)@$PF_DOMAIN>
Subject: $subj
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Grüße, with the secret $tok
From the start of a line, and a lone dot:
.
the end
EOF_
mark=$(pf_logmark)
send -i "$(addr alice)" "$(addr bob)" <"$T/in"
is "$rc" 0 "pgpsendmail -i alice bob exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/err")"
pf_delivered "interop" "$subj" "$T/in" whole alice bob
pf_clean "interop" "$tok" "$mark"

# Sequoia: the recipient's secret key, exported from her own gpg home
if sq decrypt --help 2>/dev/null | grep -q -- '--recipient-file'; then
	sqopt=--recipient-file	# sq 0.40 and later
else
	sqopt=--recipient-key	# sq 0.27 (Debian 12)
fi
for nm in alice bob; do
	timeout 60 gpg --homedir "$T/home/$nm" --batch --no-tty --armor \
	    --export-secret-keys "$(fpr_of "$nm")" >"$T/$nm.sec" 2>>"$T/gpg.log"
	armored "$T/got.$nm" >"$T/$nm.asc"
	timeout 60 sq decrypt "$sqopt" "$T/$nm.sec" --output - "$T/$nm.asc" \
	    >"$T/sq.$nm" 2>"$T/sq.err"
	st=$?
	is "$st" 0 "sq decrypt $sqopt with $nm's key exits 0"
	[ "$st" -eq 0 ] || diag "$(cat "$T/sq.err")"
	decrypt "$nm" "$T/got.$nm" >"$T/gpg.$nm"
	check_same "sq decrypts $nm's copy to what gpg does" "$T/sq.$nm" "$T/gpg.$nm"
done

# Python's email package, strict about the RFC 3156 structure
cat >"$T/rfc3156.py" <<'EOF_'
import email, email.policy, sys
with open(sys.argv[1], 'rb') as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
def need(cond, what):
    if not cond:
        print(what)
        sys.exit(1)
need(msg.get_content_type() == 'multipart/encrypted', 'type is %s' % msg.get_content_type())
need(msg.get_param('protocol') == 'application/pgp-encrypted',
     'protocol is %r' % msg.get_param('protocol'))
need(msg['MIME-Version'] == '1.0', 'MIME-Version is %r' % msg['MIME-Version'])
parts = msg.get_payload()
need(isinstance(parts, list) and len(parts) == 2, 'not two parts: %r' % parts)
need(parts[0].get_content_type() == 'application/pgp-encrypted',
     'first part is %s' % parts[0].get_content_type())
need('Version: 1' in parts[0].get_payload(decode=True).decode().splitlines(),
     'first part says %r' % parts[0].get_payload())
need(parts[1].get_content_type() == 'application/octet-stream',
     'second part is %s' % parts[1].get_content_type())
ct = parts[1].get_payload(decode=True).decode()
need(ct.lstrip().startswith('-----BEGIN PGP MESSAGE-----')
     and ct.rstrip().endswith('-----END PGP MESSAGE-----'),
     'second part is not one armored PGP message')
defects = [d for p in msg.walk() for d in p.defects]
need(not defects, 'defects: %r' % defects)
need(msg['Subject'] == sys.argv[2], 'Subject is %r' % msg['Subject'])
EOF_
for nm in alice bob; do
	timeout 60 /usr/bin/python3 "$T/rfc3156.py" "$T/got.$nm" "[...]" >"$T/py.out" 2>&1
	st=$?
	is "$st" 0 "Python's email package parses $nm's copy as RFC 3156 multipart/encrypted"
	[ "$st" -eq 0 ] || diag "$(cat "$T/py.out")"
done
pf_done
