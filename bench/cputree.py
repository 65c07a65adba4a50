#!/usr/bin/python3
# bench/cputree.py PID...: the CPU time, in clock ticks, of each PID's
# process tree as it is now: for every live process under it (itself
# included), its own time and that of the children it has reaped
# (utime + stime + cutime + cstime, /proc/PID/stat).  The difference of
# two readings is what the tree used in between, processes that ended
# meanwhile included (their time is then in their parent's cutime).
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
    procs[int(d)] = (int(f[1]), sum(int(x) for x in f[11:15]))

for root in sys.argv[1:]:
    root = int(root)
    total = 0
    for pid, (ppid, t) in procs.items():
        p = pid
        while p and p != root:
            p = procs.get(p, (0, 0))[0]
        if p == root:
            total += t
    print(total)
