# pgpsendmail's queue run, key cache and key report, for systems without
# systemd (where systemd runs, its timers pgpsendmail-queue.timer,
# pgpsendmail-keycache.timer and pgpsendmail-keys.timer do this and these
# lines do nothing).  The test
# for the binary keeps a removed, not purged, package quiet.
SHELL=/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin

*/5 * * * *	root	[ -x /usr/sbin/pgpsendmail ] && [ ! -d /run/systemd/system ] && /usr/sbin/pgpsendmail --run-own-queue
*/5 * * * *	root	[ -x /usr/sbin/pgpsendmail ] && [ ! -d /run/systemd/system ] && /usr/sbin/pgpsendmail --key-cache
17 6 * * *	root	[ -x /usr/sbin/pgpsendmail ] && [ ! -d /run/systemd/system ] && /usr/sbin/pgpsendmail --key-report --mail root >/dev/null
