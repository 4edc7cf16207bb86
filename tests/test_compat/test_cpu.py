# Copyright (c) gala-mm contributors. All rights reserved.
import pytest


@pytest.mark.parametrize('text,native', [
    ('processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f amx_bf16 amx_tile\n',
     True),
    ('processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n', True),
    ('processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n', False),
    ('processor\t: 0\nFeatures\t: fp asimd bf16 i8mm\n', True),
    ('processor\t: 0\nFeatures\t: fp asimd\n', False),
    ('no flags here\n', True),  # cannot tell: no warning
])
def test_native_bf16_read_from_cpuinfo(tmp_path, text, native):
    from gala_mm.compat import cpu_has_native_bf16
    path = tmp_path / 'cpuinfo'
    path.write_text(text)
    assert cpu_has_native_bf16(str(path)) is native
    assert cpu_has_native_bf16(str(tmp_path / 'missing')) is True
