#!/usr/bin/python3
# bench/cputree.py PID...: the CPU time, in clock ticks, of each PID's
# process tree as it is now: for every live process under it (itself
# included), its own time and that of the children it has reaped
# (utime + stime + cutime + cstime, /proc/PID/stat).  The difference of
# two readings is what the tree used in between, processes that ended
# meanwhile included (their time is then in their parent's cutime).
# An argument match:STRING instead of a PID: the same sum over the live
# processes whose command line holds STRING (and their trees); those
# must not end between two readings.
import os
import sys

procs = {}
for d in os.listdir('/proc'):
    if not d.isdigit():
        continue
    try:
        with open('/proc/%s/stat' % d) as f:
            s = f.read()
    except OSError:
        continue
    f = s[s.rindex(')') + 2:].split()
    try:
        with open('/proc/%s/cmdline' % d, 'rb') as c:
            cmd = c.read().replace(b'\0', b' ').decode('utf-8', 'replace')
    except OSError:
        cmd = ''
    procs[int(d)] = (int(f[1]), sum(int(x) for x in f[11:15]), cmd)


def tree(roots):
    total = 0
    for pid, (ppid, t, cmd) in procs.items():
        p = pid
        while p and p not in roots:
            p = procs.get(p, (0, 0, ''))[0]
        if p in roots:
            total += t
    return total


for arg in sys.argv[1:]:
    if arg.startswith('match:'):
        print(tree({pid for pid, v in procs.items() if arg[6:] in v[2]}))
    else:
        print(tree({int(arg)}))
