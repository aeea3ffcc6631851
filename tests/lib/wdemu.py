#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# wdemu.py - a watchdog device emulated on a FIFO, for tests on machines
# without one (this kernel has no softdog): vigil's agent opens the FIFO as
# its watchdog_device and feeds it as it would /dev/watchdog. Like the
# kernel's watchdog core, the timer arms at the first byte, any byte feeds
# it, a 'V' just before the writer closes disarms it (magic close), a close
# without it leaves it running, and once TIMEOUT_MS pass without a feed it
# "resets the host": it runs RESET_CMD (which kills the host's agent and
# VM stand-ins) and logs it. Every event goes to LOG, one line each,
# "EPOCH_SECONDS EVENT", so a test reads exactly when feeding stopped.
# SIGUSR1 breaks it (it expires but resets nothing: a watchdog that fails),
# SIGUSR2 mends it (an expired timer then resets at once).
# Unlike a hardware timer it runs on the machine it watches: when the
# emulator itself was not scheduled for a while (a machine shared with
# other tests, real-time hogs), that time is not held against the agent,
# which was most likely starved alike ("stalled" in the log).
#
#   wdemu.py FIFO TIMEOUT_MS LOG RESET_CMD...
import os
import select
import signal
import subprocess
import sys
import time

fifo, timeout, logf, reset = sys.argv[1], int(sys.argv[2]) / 1000.0, sys.argv[3], sys.argv[4:]
log = open(logf, "a", buffering=1)


def say(what):
    log.write("%.6f %s\n" % (time.time(), what))


broken = False


def set_broken(on):
    global broken
    broken = on
    say("broken: resets withheld" if on else "mended")


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.signal(signal.SIGUSR1, lambda *_: set_broken(True))
signal.signal(signal.SIGUSR2, lambda *_: set_broken(False))
if not os.path.exists(fifo):
    os.mkfifo(fifo, 0o600)
fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
say("ready")
armed, magic, last, told = False, False, 0.0, False
prev = time.time()
while True:
    try:
        r, _, _ = select.select([fd], [], [], 0.02)
    except InterruptedError:
        continue
    now = time.time()
    if now - prev > 0.25 and armed:
        say("stalled %.3f s: not counted" % (now - prev))
        last += now - prev
    prev = now
    if r:
        data = os.read(fd, 4096)
        if data:
            if not armed:
                say("armed")
            armed, magic, last = True, data.endswith(b"V"), now
            say("fed %d" % len(data) if not magic else "magic")
        else:
            # The writer closed: reopen, so the next writer is seen.
            if armed and magic:
                armed = False
                say("disarmed (magic close)")
            elif armed:
                say("closed without magic: still armed")
            os.close(fd)
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    if armed and now - last > timeout and broken:
        if not told:
            say("expired %.3f s after the last feed: no reset (broken)" % (now - last))
            told = True
        continue
    told = False
    if armed and now - last > timeout:
        say("expired %.3f s after the last feed: reset" % (now - last))
        armed = False
        if reset:
            subprocess.run(reset)
        say("reset done")
