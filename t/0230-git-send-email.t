#!/bin/sh
# git send-email --smtp-server=pgpsendmail: it runs "pgpsendmail -i rcpt..."
# through sh -c, with -f when an envelope sender is set, and no "--".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
pf_need git
git send-email -h 2>&1 | grep -q -- '--smtp-server' ||
	pf_cannot "git send-email is not installed (git-email, libmailtools-perl, libemail-valid-perl)"
pf_setup alice bob carol

tok=$(pf_token)
subj="git test $(pf_token)"
export HOME="$T/git" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Git Sender" \
    GIT_AUTHOR_EMAIL="root@$PF_DOMAIN" GIT_COMMITTER_NAME="Git Sender" \
    GIT_COMMITTER_EMAIL="root@$PF_DOMAIN"
mkdir -p "$T/git/repo"
cd "$T/git/repo" || exit 1
{
	timeout 30 git init -q . &&
	printf 'the secret in the patch: %s\n.\nafter a lone dot\n' "$tok" >secret.txt &&
	timeout 30 git add secret.txt &&
	timeout 30 git commit -q -m "$subj" -m "The secret in the log message: $tok" &&
	timeout 30 git format-patch -q -1 -o "$T/patches"
} >"$T/git.log" 2>&1
check "git makes a patch to send" test -s "$(ls "$T"/patches/*.patch 2>/dev/null | head -n 1)"
patch=$(ls "$T"/patches/*.patch | head -n 1)
body "$patch" >"$T/want"

mark=$(pf_logmark)
timeout 60 git send-email --smtp-server="$PGPSENDMAIL" --envelope-sender="root@$PF_DOMAIN" \
    --from="Git Sender <root@$PF_DOMAIN>" --to="$(addr alice)" --cc="$(addr bob)" \
    --bcc="$(addr carol)" --confirm=never --suppress-cc=all --no-thread --quiet \
    "$patch" </dev/null >"$T/out.git" 2>&1
rc=$?
is "$rc" 0 "git send-email --smtp-server=pgpsendmail --to alice --cc bob --bcc carol exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/out.git")"
pf_delivered "git send-email" "$subj" "$T/want" body alice bob -- carol
is "$(header Subject "$T/got.alice")" "[...]" "git send-email: the [PATCH] Subject is hidden outside"
case $(header Subject "$T/dec.alice") in
*"$subj"*) ok 0 "git send-email: and is the real one inside" ;;
*) ok 1 "git send-email: and is the real one inside" ;;
esac
pf_clean "git send-email" "$tok" "$mark" "$subj"
cd / || exit 1
pf_done
