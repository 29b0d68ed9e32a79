"""Reading the official NAS-Bench-101 ``.tfrecord`` without TensorFlow.

TFRecord framing, repeated to the end of the file: ``uint64 length`` (little endian),
``uint32 masked CRC-32C of the length``, ``length`` bytes of data, ``uint32 masked CRC-32C of the
data``. Each record is UTF-8 JSON ``[module_hash, epochs, adjacency, operations, metrics]``:
``adjacency`` a string of ``n*n`` 0/1 characters (row-major), ``operations`` comma-separated op
names, ``metrics`` a base64 ``ModelMetrics`` protobuf: field 1 repeated ``EvaluationData``
(start, halfway, end of training), field 2 ``trainable_parameters`` (varint), field 3
``total_time`` (double). ``EvaluationData``: 1 current_epoch, 2 training_time,
3 train_accuracy, 4 validation_accuracy, 5 test_accuracy (doubles), 6 checkpoint_path (string).
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum TFRecord uses."""
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def iter_records(path: Path, check_data_crc: bool = False) -> Iterator[bytes]:
    """The records of a TFRecord file; the length checksum is always checked (framing errors),
    the data checksum only on request (it is slow in pure Python)."""
    with open(path, "rb") as fh:
        offset = 0
        while True:
            header = fh.read(12)
            if not header:
                return
            if len(header) < 12:
                raise ValueError(f"truncated record header at byte {offset}")
            length_bytes = header[:8]
            (length,) = struct.unpack("<Q", length_bytes)
            (length_crc,) = struct.unpack("<I", header[8:])
            if masked_crc(length_bytes) != length_crc:
                raise ValueError(f"bad length checksum at byte {offset} (not a TFRecord file?)")
            data = fh.read(length)
            footer = fh.read(4)
            if len(data) < length or len(footer) < 4:
                raise ValueError(f"truncated record at byte {offset}")
            if check_data_crc and masked_crc(data) != struct.unpack("<I", footer)[0]:
                raise ValueError(f"bad data checksum in the record at byte {offset}")
            offset += 16 + length
            yield data


def write_records(path: Path, records: list[bytes]) -> None:
    """Write records in TFRecord framing (used to make small files in the official layout)."""
    with open(path, "wb") as fh:
        for data in records:
            length = struct.pack("<Q", len(data))
            fh.write(length + struct.pack("<I", masked_crc(length)))
            fh.write(data + struct.pack("<I", masked_crc(data)))


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint in protobuf")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def parse_fields(buf: bytes) -> dict[int, list]:
    """A protobuf message -> {field number: [raw values]} (varints as int, fixed as bytes)."""
    fields: dict[int, list] = {}
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        if pos > len(buf):
            raise ValueError("truncated protobuf field")
        fields.setdefault(number, []).append(value)
    return fields


def _double(fields: dict, number: int) -> float:
    raw = fields.get(number)
    return struct.unpack("<d", raw[-1])[0] if raw else float("nan")


def final_accuracies(metrics_b64: str) -> tuple[float, float]:
    """(validation, test) accuracy at the end of training from a base64 ModelMetrics."""
    msg = parse_fields(base64.b64decode(metrics_b64))
    evals = msg.get(1, [])
    if not evals:
        raise ValueError("ModelMetrics without evaluation data")
    last = parse_fields(evals[-1])
    return _double(last, 4), _double(last, 5)


def encode_metrics(evals: list[tuple[float, float, float, float, float]], params: int) -> str:
    """The base64 ModelMetrics for (epoch, time, train, valid, test) rows (for test files)."""

    def field(number: int, wire: int) -> bytes:
        return _encode_varint(number << 3 | wire)

    body = b""
    for row in evals:
        sub = b"".join(field(i + 1, 1) + struct.pack("<d", v) for i, v in enumerate(row))
        body += field(1, 2) + _encode_varint(len(sub)) + sub
    body += field(2, 0) + _encode_varint(params)
    return base64.b64encode(body).decode()


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        out.append(b | (0x80 if value else 0))
        if not value:
            return bytes(out)


def read_nasbench(path: Path, epochs: int = 108) -> dict[str, dict]:
    """{hash: {"matrix", "ops", "val", "test"}} with accuracies averaged over repeats."""
    out: dict[str, dict] = {}
    for i, data in enumerate(iter_records(path)):
        try:
            module_hash, ep, adjacency, operations, metrics = json.loads(data.decode("utf-8"))[:5]
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"record {i} is not the NAS-Bench-101 JSON layout: {exc}") from exc
        if int(ep) != epochs:
            continue
        val, test = final_accuracies(metrics)
        entry = out.get(module_hash)
        if entry is None:
            dim = math.isqrt(len(adjacency))
            if dim * dim != len(adjacency):
                raise ValueError(f"record {i}: adjacency of length {len(adjacency)} is not square")
            matrix = np.array([int(c) for c in adjacency], dtype=np.int64).reshape(dim, dim)
            entry = out[module_hash] = {
                "matrix": matrix,
                "ops": operations.split(","),
                "val": [],
                "test": [],
            }
        entry["val"].append(val)
        entry["test"].append(test)
    if not out:
        raise ValueError(f"no {epochs}-epoch records")
    return out
