#!/usr/bin/env bash
# Rebuilds assets/fonts/NotoSansSC-Regular-GBK.otf: Noto Sans SC cut down to the GBK
# character set (GB2312 alone lacks name characters such as 堃 喆 犇 珺).
# Needs Debian's fonts-noto-cjk and python3-fonttools.
set -euo pipefail
cd "$(dirname "$0")/.."
chars=$(mktemp)
/usr/bin/python3 - "$chars" <<'PY'
import sys
chars = {chr(c) for c in range(0x20, 0x7f)}
for b1 in range(0x81, 0xff):
    for b2 in range(0x40, 0xff):
        if b2 == 0x7f:
            continue
        try:
            chars.add(bytes([b1, b2]).decode('gbk'))
        except UnicodeDecodeError:
            pass
chars.update('·—–…“”‘’《》【】（）、。，；：？！')
open(sys.argv[1], 'w', encoding='utf-8').write(''.join(sorted(chars)))
PY
/usr/bin/python3 -m fontTools.subset /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
  --font-number=2 --text-file="$chars" --layout-features='*' --no-hinting --desubroutinize \
  --output-file=assets/fonts/NotoSansSC-Regular-GBK.otf
rm -f "$chars"
ls -l assets/fonts/NotoSansSC-Regular-GBK.otf
