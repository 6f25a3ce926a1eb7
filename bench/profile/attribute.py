"""Share of a process's CPU samples spent in one method's own work, from `perf script` output.

A sample counts when its stack has FRAME and, below FRAME, no EXCLUDE frame (the part of FRAME's time spent in
what it calls on, e.g. the next middleware, is not its own work). Prints the share, then the direct callees of
FRAME that the share went to.

    python3 attribute.py perf.txt 'AutomaticEarlyHintsMiddleware::InvokeAsync' 'EndpointMiddleware::Invoke'
"""
import collections
import re
import sys


def short(frame):
    frame = re.sub(r"^[0-9a-f]+\s+", "", frame)
    frame = re.sub(r"\(.*", "", frame)
    frame = re.sub(r"\[Optimized.*", "", frame)
    return frame.split("]")[-1].strip()[-100:]


def main(path, frame, exclude):
    total = ours = 0
    callees = collections.Counter()
    for sample in open(path, encoding="utf-8", errors="replace").read().split("\n\n"):
        lines = [line.strip() for line in sample.strip().split("\n")]
        if len(lines) < 2:
            continue
        total += 1
        names = lines[1:]   # leaf first
        at = next((i for i, name in enumerate(names) if frame in name), None)
        if at is None:
            continue
        below = names[:at]
        if any(exclude in name for name in below):
            continue
        ours += 1
        callees[short(below[-1]) if below else "(self)"] += 1
    if total == 0:
        sys.exit("no samples in " + path)
    print("samples %d, in %s's own work %d: %.2f %% of the process" % (total, frame, ours, 100.0 * ours / total))
    for name, count in callees.most_common(12):
        print("  %5.2f %%  %s" % (100.0 * count / total, name))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
