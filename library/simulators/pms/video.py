"""A real, tiny H.264 video in an MP4 file, written in pure Python.

No encoder is needed: each second starts with an IDR picture whose macroblocks are all
I_PCM (raw samples), and the frames after it are P pictures whose macroblocks are all
skipped (a copy of the picture before). Each second shows a colour of its own, with a bar
that grows second by second. Baseline profile, so browsers play it directly.

The transcoder's HLS segments (ts_segment()) are the same pictures in MPEG-TS, each segment
SECONDS long and timed after the one before.
"""

import colorsys
import functools
import struct

WIDTH, HEIGHT = 96, 64
"""Pixels: 6 by 4 macroblocks."""
FPS = 10
SECONDS = 4
TIMESCALE = 1000
MB = 16
NAL_IDR, NAL_SLICE, NAL_SPS, NAL_PPS = 5, 1, 7, 8
I_PCM = 25
"""mb_type of an I_PCM macroblock in an I slice."""


class _Bits:
    """An H.264 bit string: fixed-width fields, Exp-Golomb codes and raw bytes."""

    def __init__(self) -> None:
        self.out = bytearray()
        self._acc = 0
        self._count = 0

    def u(self, width: int, value: int) -> None:
        self._acc = (self._acc << width) | value
        self._count += width
        while self._count >= 8:
            self._count -= 8
            self.out.append((self._acc >> self._count) & 0xFF)
        self._acc &= (1 << self._count) - 1

    def ue(self, value: int) -> None:
        code = value + 1
        self.u(code.bit_length() - 1, 0)
        self.u(code.bit_length(), code)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align(self) -> None:
        self.u(-self._count % 8, 0)

    def raw(self, data: bytes) -> None:
        self.out += data

    def trailing(self) -> bytes:
        """Add the RBSP trailing bits and return the bytes."""
        self.u(1, 1)
        self.align()
        return bytes(self.out)


def _nal(ref_idc: int, kind: int, rbsp: bytes) -> bytes:
    """Return a NAL unit (no start code), with emulation prevention bytes."""
    out = bytearray([(ref_idc << 5) | kind])
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


@functools.cache
def _sps() -> bytes:
    bits = _Bits()
    bits.u(8, 66)  # Baseline
    bits.u(8, 0xC0)  # constraint_set0 and 1: constrained baseline
    bits.u(8, 30)  # level 3.0
    bits.ue(0)  # seq_parameter_set_id
    bits.ue(0)  # log2_max_frame_num_minus4: frame_num has 4 bits
    bits.ue(2)  # pic_order_cnt_type 2: output order is decoding order
    bits.ue(1)  # max_num_ref_frames
    bits.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    bits.ue(WIDTH // MB - 1)
    bits.ue(HEIGHT // MB - 1)
    bits.u(1, 1)  # frame_mbs_only_flag
    bits.u(1, 1)  # direct_8x8_inference_flag
    bits.u(1, 0)  # frame_cropping_flag
    bits.u(1, 0)  # vui_parameters_present_flag
    return _nal(3, NAL_SPS, bits.trailing())


@functools.cache
def _pps() -> bytes:
    bits = _Bits()
    bits.ue(0)  # pic_parameter_set_id
    bits.ue(0)  # seq_parameter_set_id
    bits.u(1, 0)  # entropy_coding_mode_flag: CAVLC
    bits.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    bits.ue(0)  # num_slice_groups_minus1
    bits.ue(0)  # num_ref_idx_l0_default_active_minus1
    bits.ue(0)  # num_ref_idx_l1_default_active_minus1
    bits.u(1, 0)  # weighted_pred_flag
    bits.u(2, 0)  # weighted_bipred_idc
    bits.se(0)  # pic_init_qp_minus26
    bits.se(0)  # pic_init_qs_minus26
    bits.se(0)  # chroma_qp_index_offset
    bits.u(1, 1)  # deblocking_filter_control_present_flag: slices turn it off
    bits.u(1, 0)  # constrained_intra_pred_flag
    bits.u(1, 0)  # redundant_pic_cnt_present_flag
    return _nal(3, NAL_PPS, bits.trailing())


def _picture(second: int) -> tuple[bytes, bytes, bytes]:
    """Return the Y, Cb and Cr planes of a second's picture (BT.601, limited range)."""
    red, green, blue = colorsys.hsv_to_rgb((second * 0.27) % 1.0, 0.7, 0.9)
    luma = round(16 + 65.481 * red + 128.553 * green + 24.966 * blue)
    cb = round(128 - 37.797 * red - 74.203 * green + 112.0 * blue)
    cr = round(128 + 112.0 * red - 93.786 * green - 18.214 * blue)
    bar = WIDTH * (second + 1) // SECONDS
    rows = []
    for y in range(HEIGHT):
        shade = luma - 40 * y // HEIGHT  # a gentle gradient, top to bottom
        if y >= HEIGHT - 8:  # the progress bar: white up to this second, dark after
            rows.append(bytes([235] * bar + [24] * (WIDTH - bar)))
        else:
            rows.append(bytes([max(16, shade)] * WIDTH))
    chroma_rows = [
        (bytes([128]) if y >= (HEIGHT - 8) // 2 else bytes([value])) * (WIDTH // 2)
        for value in (cb, cr)
        for y in range(HEIGHT // 2)
    ]
    half = HEIGHT // 2
    return b"".join(rows), b"".join(chroma_rows[:half]), b"".join(chroma_rows[half:])


def _block(plane: bytes, width: int, x: int, y: int, size: int) -> bytes:
    return b"".join(
        plane[(y + row) * width + x : (y + row) * width + x + size] for row in range(size)
    )


def _idr(second: int) -> bytes:
    bits = _Bits()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(7)  # slice_type: I, every slice of the picture
    bits.ue(0)  # pic_parameter_set_id
    bits.u(4, 0)  # frame_num
    bits.ue(second % 2)  # idr_pic_id: consecutive IDR pictures differ
    bits.u(1, 0)  # no_output_of_prior_pics_flag
    bits.u(1, 0)  # long_term_reference_flag
    bits.se(0)  # slice_qp_delta
    bits.ue(1)  # disable_deblocking_filter_idc
    luma, cb, cr = _picture(second)
    for mb_y in range(HEIGHT // MB):
        for mb_x in range(WIDTH // MB):
            bits.ue(I_PCM)
            bits.align()  # pcm_alignment_zero_bit
            bits.raw(_block(luma, WIDTH, mb_x * MB, mb_y * MB, MB))
            bits.raw(_block(cb, WIDTH // 2, mb_x * 8, mb_y * 8, 8))
            bits.raw(_block(cr, WIDTH // 2, mb_x * 8, mb_y * 8, 8))
    return _nal(3, NAL_IDR, bits.trailing())


def _skipped(frame_num: int) -> bytes:
    bits = _Bits()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(5)  # slice_type: P, every slice of the picture
    bits.ue(0)  # pic_parameter_set_id
    bits.u(4, frame_num % 16)
    bits.u(1, 0)  # num_ref_idx_active_override_flag
    bits.u(1, 0)  # ref_pic_list_modification_flag_l0
    bits.u(1, 0)  # adaptive_ref_pic_marking_mode_flag
    bits.se(0)  # slice_qp_delta
    bits.ue(1)  # disable_deblocking_filter_idc
    bits.ue((WIDTH // MB) * (HEIGHT // MB))  # mb_skip_run: every macroblock
    return _nal(2, NAL_SLICE, bits.trailing())


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full(kind: bytes, version_flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", version_flags), *parts)


MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _moov(sizes: list[int], syncs: list[int], offset: int, sps: bytes, pps: bytes) -> bytes:
    delta = TIMESCALE // FPS
    duration = delta * len(sizes)
    mvhd = _full(
        b"mvhd", 0,
        struct.pack(">IIII", 0, 0, TIMESCALE, duration),
        struct.pack(">IH10x", 0x10000, 0x100), MATRIX, bytes(24), struct.pack(">I", 2),
    )  # fmt: skip
    tkhd = _full(
        b"tkhd", 3,
        struct.pack(">IIIII", 0, 0, 1, 0, duration),
        bytes(8), struct.pack(">hhhH", 0, 0, 0, 0), MATRIX,
        struct.pack(">II", WIDTH << 16, HEIGHT << 16),
    )  # fmt: skip
    mdhd = _full(b"mdhd", 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, duration, 0x55C4, 0))
    hdlr = _full(b"hdlr", 0, bytes(4), b"vide", bytes(12), b"VideoHandler\x00")
    avcc = _box(
        b"avcC",
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]),
        struct.pack(">H", len(sps)), sps, bytes([1]), struct.pack(">H", len(pps)), pps,
    )  # fmt: skip
    avc1 = _box(
        b"avc1",
        bytes(6), struct.pack(">H", 1), bytes(16),
        struct.pack(">HHIIIH", WIDTH, HEIGHT, 0x480000, 0x480000, 0, 1),
        bytes(32), struct.pack(">Hh", 0x18, -1), avcc,
    )  # fmt: skip
    stbl = _box(
        b"stbl",
        _full(b"stsd", 0, struct.pack(">I", 1), avc1),
        _full(b"stts", 0, struct.pack(">III", 1, len(sizes), delta)),
        _full(b"stss", 0, struct.pack(f">I{len(syncs)}I", len(syncs), *syncs)),
        _full(b"stsc", 0, struct.pack(">IIII", 1, 1, len(sizes), 1)),
        _full(b"stsz", 0, struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes)),
        _full(b"stco", 0, struct.pack(">II", 1, offset)),
    )
    dinf = _box(b"dinf", _full(b"dref", 0, struct.pack(">I", 1), _full(b"url ", 1)))
    minf = _box(b"minf", _full(b"vmhd", 1, bytes(8)), dinf, stbl)
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))
    return _box(b"moov", mvhd, trak)


@functools.cache
def _frames() -> list[bytes]:
    """Return each frame's one NAL unit: an IDR picture each second, skipped P ones after."""
    return [
        _idr(second) if index == 0 else _skipped(index)
        for second, index in (divmod(frame, FPS) for frame in range(FPS * SECONDS))
    ]


@functools.cache
def mp4() -> bytes:
    """Return the MP4 file: SECONDS seconds at FPS frames a second, moov before mdat."""
    sps, pps = _sps(), _pps()
    samples, syncs = [], []
    for frame, nal in enumerate(_frames()):
        if frame % FPS == 0:
            syncs.append(frame + 1)
        samples.append(struct.pack(">I", len(nal)) + nal)
    sizes = [len(sample) for sample in samples]
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2avc1mp41")
    moov_size = len(_moov(sizes, syncs, 0, sps, pps))
    offset = len(ftyp) + moov_size + 8
    moov = _moov(sizes, syncs, offset, sps, pps)
    return ftyp + moov + _box(b"mdat", *samples)


# MPEG-TS, for the transcoder's HLS segments: the same pictures, one PES packet a frame.

TS_PACKET = 188
PMT_PID, VIDEO_PID = 0x1000, 0x100
PTS_HZ = 90_000
START_CODE = b"\x00\x00\x00\x01"
AUD = START_CODE + b"\x09\xf0"
"""An access unit delimiter: any kind of picture follows."""


def _crc32_mpeg(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _section(table_id: int, table_key: int, body: bytes) -> bytes:
    """Return a PSI section (PAT or PMT) with its CRC, after the pointer field."""
    header = struct.pack(">BHHBBB", table_id, 0xB000 | (len(body) + 9), table_key, 0xC1, 0, 0)
    section = header + body
    return b"\x00" + section + struct.pack(">I", _crc32_mpeg(section))


def _packets(pid: int, payload: bytes, counter: int, pcr: int | None = None) -> list[bytes]:
    """Split a payload into TS packets: the first starts the unit; stuffing fills the last."""
    packets, start = [], True
    while start or payload:
        extra = b"" if not start or pcr is None else ((pcr << 15) | (0x3F << 9)).to_bytes(6)
        # Adaptation field bytes (its length byte included): for a PCR, or to stuff.
        used = 2 + len(extra) if extra else 0
        if len(payload) < TS_PACKET - 4 - used:
            used = TS_PACKET - 4 - len(payload)
        chunk, payload = payload[: TS_PACKET - 4 - used], payload[TS_PACKET - 4 - used :]
        field = b""
        if used == 1:
            field = b"\x00"
        elif used:
            flags = 0x10 if extra else 0x00
            field = bytes([used - 1, flags]) + extra + b"\xff" * (used - 2 - len(extra))
        control = 0x30 if used else 0x10
        first = 0x4000 if start else 0
        header = struct.pack(">BHB", 0x47, first | pid, control | (counter & 0xF))
        packets.append(header + field + chunk)
        counter, start = counter + 1, False
    return packets


def _pts(value: int) -> bytes:
    return bytes(
        [
            0x21 | ((value >> 29) & 0x0E),
            (value >> 22) & 0xFF,
            ((value >> 14) & 0xFE) | 1,
            (value >> 7) & 0xFF,
            ((value << 1) & 0xFE) | 1,
        ]
    )


def ts_segment(number: int) -> bytes:
    """Return HLS segment `number` (from 0): the video's SECONDS seconds, later by as many."""
    pat = _section(0x00, 1, struct.pack(">HH", 1, 0xE000 | PMT_PID))
    pmt = _section(
        0x02, 1, struct.pack(">HHBHH", 0xE000 | VIDEO_PID, 0xF000, 0x1B, 0xE000 | VIDEO_PID, 0xF000)
    )
    packets = _packets(0, pat, number) + _packets(PMT_PID, pmt, number)
    counter = 0
    start = (1 + number * SECONDS) * PTS_HZ
    for frame, nal in enumerate(_frames()):
        pts = start + frame * PTS_HZ // FPS
        access_unit = AUD
        if frame % FPS == 0:
            access_unit += START_CODE + _sps() + START_CODE + _pps()
        access_unit += START_CODE + nal
        pes = b"\x00\x00\x01\xe0\x00\x00\x80\x80\x05" + _pts(pts) + access_unit
        frame_packets = _packets(VIDEO_PID, pes, counter, pcr=pts - PTS_HZ // 10)
        counter += len(frame_packets)
        packets += frame_packets
    return b"".join(packets)
