#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_defrag (tests/frame/corpus): runs of
frames as the fuzz target reads them (a 24-byte header, then min(len, 40)
data bytes). Usage: tests/frame/make_defrag_seeds.py tests/frame/corpus"""
import struct
import sys
from pathlib import Path

DATA = 40
FIRST, LAST, PAD = 1, 2, 4


def frame(length, flags, kind, msg_id, total, index, data=b""):
    hdr = struct.pack("<IBBHQII", length, flags, 1, kind, msg_id, total, index)
    return hdr + data[: min(length, DATA)]


def message(msg_id, payload, kind=0):
    n = max(1, (len(payload) + DATA - 1) // DATA)
    out = b""
    for i in range(n):
        chunk = payload[i * DATA:(i + 1) * DATA]
        flags = (FIRST if i == 0 else 0) | (LAST if i == n - 1 else 0)
        out += frame(len(chunk), flags, kind, msg_id, len(payload), i, chunk)
    return out


def body(n, seed):
    return bytes((seed * 131 + i * 7) & 0xFF for i in range(n))


CHUNKED = message(0, body(60, 12)) + message(1, body(1500, 13)) + message(2, body(7, 14))


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    seeds = {
        "one_small": message(0, body(5, 1)),
        "empty": message(0, b""),
        "exact_frame": message(0, body(40, 2)),
        "three_frames": message(0, body(100, 3), kind=7),
        "max_message": message(0, body(320, 4)),
        "sequence": b"".join(message(i, body(i * 13 % 200, i)) for i in range(12)),
        "with_pads": message(0, body(50, 5)) + frame(0, PAD, 0, 1, 0, 0) + message(2, body(9, 6)),
        # a FIRST without its LAST, then a new message
        "cut": message(0, body(100, 7))[: 2 * (24 + 40)] + message(1, body(30, 8)),
        # total larger than the frames carry, and a too-long total
        "lying_total": frame(40, FIRST, 0, 0, 90, 0, body(40, 9)) + frame(10, LAST, 0, 0, 90, 1, body(10, 9)),
        "too_big": message(0, body(1700, 10)),
        # longer than half the ring (chunked), after a short one; the
        # target holds what it receives from inputs of odd size (2551
        # bytes: MYL_EHELD), the byte added makes the size even
        "chunked": CHUNKED + b"\0",
        "chunked_held": CHUNKED,
        # id jump in the middle of a message
        "id_jump": frame(40, FIRST, 0, 0, 60, 0, body(40, 11)) + frame(20, LAST, 0, 5, 60, 1, body(20, 11)),
    }
    for name, data in seeds.items():
        (out / (name + ".bin")).write_bytes(data)


if __name__ == "__main__":
    main()
