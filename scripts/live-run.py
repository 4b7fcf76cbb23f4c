#!/usr/bin/env python3
"""Issue 11's Done-when, by hand (too long for `cargo test`): the TUI follows a log
that a writer grows at RATE lines/s for SECONDS, with a rename+create, a
copytruncate and a truncate-to-zero during the run, in tmux at 120x40.

Measures: key latency (a key press to the screen answering, through tmux)
throughout; the TUI's counts at the end against `mailtriage summary` of every
file the lines went to; the CPU the process uses once the writer stopped.

usage: scripts/live-run.py SOURCE_LOG [RATE] [SECONDS]
   e.g. scripts/live-run.py /work/bench-250m.log 20000 60
The binary is target/release/mailtriage (MAILTRIAGE_BIN overrides).
"""
import json, os, re, shutil, subprocess, sys, tempfile, threading, time

src = sys.argv[1]
rate = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 60
here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_ = os.environ.get("MAILTRIAGE_BIN", os.path.join(here, "target/release/mailtriage"))
START = 100_000  # lines in the file when the TUI opens

d = tempfile.mkdtemp(prefix="live-run-")
log = os.path.join(d, "mainlog")
sock = "live-run-%d" % os.getpid()

def tmux(*a, out=False):
    r = subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", *a], capture_output=True, text=True)
    return r.stdout

def screen():
    return tmux("capture-pane", "-p", out=True)

src_f = open(src, "rb")
first = [src_f.readline() for _ in range(START)]
with open(log, "wb") as f:
    f.writelines(first)
# Every line written, to the file it went to (for the independent count).
files = [log]

tmux("new-session", "-d", "-x", "120", "-y", "40",
     "%s --blocklist %s/bl %s; sleep 600" % (bin_, d, log))
t0 = time.time()
while "senders" not in screen() or " live" not in screen():
    time.sleep(0.05)
    if time.time() - t0 > 60:
        sys.exit("the TUI did not open:\n" + screen())
pid = int(subprocess.run(["pgrep", "-n", "-f", "%s --blocklist %s" % (bin_, d)],
                         capture_output=True, text=True).stdout.split()[0])
print("opened in %.2fs, pid %d, in %s" % (time.time() - t0, pid, d))

stop = threading.Event()
hold = threading.Lock()  # held by the writer around a rotation
events = []

def writer():
    per_tick, tick = rate // 100, 0.01
    start = time.time()
    n = 0
    done = set()
    out = open(log, "ab")
    while time.time() - start < seconds:
        el = time.time() - start
        def step(name, fn):
            nonlocal out
            if name in done:
                return
            done.add(name)
            out.close()
            # Let the reader catch up first: a line written and truncated away
            # before any reader saw it is lost to every follower (tail -F too).
            time.sleep(1.0)
            fn()
            out = open(log, "ab")
            events.append((round(el, 1), name))
        if el > seconds * 0.25:
            def rot():
                os.rename(log, log + ".1"); files.insert(0, log + ".1")
                open(log, "wb").close()
            step("rename+create", rot)
        if el > seconds * 0.5:
            def ct():
                shutil.copy(log, log + ".2"); files.insert(len(files) - 1, log + ".2")
                open(log, "r+b").truncate(0)
            step("copytruncate", ct)
        if el > seconds * 0.75:
            def tz():
                # The truncated lines are gone from disk; keep them for the count.
                shutil.copy(log, log + ".3"); files.insert(len(files) - 1, log + ".3")
                open(log, "r+b").truncate(0)
            step("truncate -s 0", tz)
        lines = [src_f.readline() for _ in range(per_tick)]
        out.write(b"".join(lines)); out.flush()
        n += len(lines)
        nxt = start + (n / rate)
        wait = nxt - time.time()
        if wait > 0:
            time.sleep(wait)
    out.close()
    events.append((round(time.time() - start, 1), "writer stopped after %d lines" % n))
    stop.set()

lat = []
slow = []
start_at = [time.time()]
def keys():
    # `?` opens help, Esc closes it: each answer is a screen change we can see.
    while not stop.is_set():
        for k, want in (("?", True), ("Escape", False)):
            t = time.time()
            tmux("send-keys", k)
            while True:
                s = screen()
                if ("this help" in s) == want:
                    break
                if time.time() - t > 5:
                    print("no answer to", k); break
            lat.append(time.time() - t)
            slow.append((round(t - start_at[0], 1), k, round((time.time() - t) * 1000, 1)))
        time.sleep(0.3)

w = threading.Thread(target=writer); k = threading.Thread(target=keys)
w.start(); k.start(); w.join(); k.join()
for e in events:
    print("  %5.1fs %s" % e)
over = [x for x in slow if x[2] > 50]
print("answers over 50 ms: %d of %d %s" % (len(over), len(slow), over[:10]))
lat.sort()
print("key answers: %d, median %.1f ms, p95 %.1f ms, max %.1f ms" % (
    len(lat), 1000 * lat[len(lat) // 2], 1000 * lat[int(len(lat) * .95)], 1000 * lat[-1]))

def ticks():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
time.sleep(3)
a = ticks(); time.sleep(10); b = ticks()
hz = os.sysconf("SC_CLK_TCK")
print("CPU once the writer stopped: %.2f %% of one core (10 s)" % (100.0 * (b - a) / hz / 10))

s = screen()
print(s)
cli = json.loads(subprocess.run([bin_, "summary", "--json", *files], capture_output=True).stdout)
senders = json.loads(subprocess.run([bin_, "senders", "--json", "--limit", "100000000", *files],
                                    capture_output=True).stdout or b"[]")
print("summary of", " ".join(os.path.basename(f) for f in files))
print("  messages %d arrivals %d lines %d rejections %d" % (
    cli["messages"], cli["arrivals"], cli["lines"], cli["rejections"]))
m = re.search(r"(\d+)/(\d+) senders", s)
print("  senders: TUI %s, CLI %d" % (m.group(2) if m else "?", len(senders)))
tmux("kill-server")
