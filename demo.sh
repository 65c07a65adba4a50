#!/bin/sh
# make demo: one message through pgpsendmail, end to end, in a temp dir.
# A throwaway keyring plays the system keyring, a throwaway key plays
# Alice, and a capture script plays the real sendmail.
set -e
top=$(pwd)
d=$(mktemp -d "${TMPDIR:-/tmp}/pgpsendmail-demo.XXXXXX")
trap 'for h in alice keyring; do gpgconf --homedir "$d/$h" --kill all 2>/dev/null; done; rm -rf "$d"' EXIT
mkdir -m 700 "$d/alice" "$d/keyring"
mkdir "$d/out"

say() { printf '\n== %s\n' "$*"; }

say "Alice's key (a throwaway ed25519 key), into the system keyring"
g() { gpg --homedir "$d/alice" --batch --quiet --pinentry-mode loopback --passphrase '' "$@"; }
g --quick-gen-key 'Alice <alice@example.org>' ed25519 cert,sign never 2>/dev/null
fpr=$(g --with-colons --list-keys alice@example.org | awk -F: '/^fpr/ { print $10; exit }')
g --quick-add-key "$fpr" cv25519 encr never 2>/dev/null
g --export alice@example.org | gpg --homedir "$d/keyring" --batch --quiet --import 2>/dev/null
gpg --homedir "$d/keyring" --batch --list-keys 2>/dev/null | sed -n '/^pub/,$p'

cat > "$d/capture" <<EOS
#!/bin/sh
printf '%s\n' "\$*" > $d/out/argv
cat > $d/out/message
EOS
chmod +x "$d/capture"
cat > "$d/pgpsendmail.conf" <<EOS
sendmail $d/capture
gnupghome $d/keyring
keymap $d/keymap
EOS
echo '* keyring' > "$d/keymap"

say "sending: printf 'Subject: ...' | pgpsendmail alice@example.org"
printf 'Subject: the plans\n\nMeet at the usual place, 9 pm.\n' |
    PGPSENDMAIL_CONF="$d/pgpsendmail.conf" "$top/pgpsendmail" alice@example.org
echo "pgpsendmail exited with status $?"

say "the real sendmail was called as: sendmail $(cat "$d/out/argv")"

say "what the real sendmail got (what every relay stores)"
cat "$d/out/message"

say "what Alice reads after decrypting it with her key"
sed -n '/^-----BEGIN PGP MESSAGE-----$/,/^-----END PGP MESSAGE-----$/p' "$d/out/message" |
    gpg --homedir "$d/alice" --batch --quiet --decrypt 2>/dev/null
