"""How long a sheet of 100 labels and one label PNG take to draw (issue 14 item 5); not part of the test suite.

    .venv/bin/python benchmarks/bench_labels.py [--labels 100]

Prints: a sheet of N new labels (QR codes computed and drawn: a first print), a sheet of N other labels whose QR
codes are already known (a reprint after a change of text), the same sheet again (served from the cache, as is a
304 to a browser that holds it), and one label PNG at 300 dpi.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wastechain.services.rendering import labels  # noqa: E402


def content(i: int, weight: str = "12.5") -> labels.LabelContent:
    rows = (("废物名称", "废矿物油与含矿物油废物"), ("废物类别", "HW08 废矿物油与含矿物油废物"), ("废物代码", "900-249-08"),
            ("废物形态", "液态"), ("危险特性", "毒性、易燃性"), ("主要成分", "废机油"), ("有害成分", "多环芳烃"),
            ("注意事项", "远离火源，防止泄漏"), ("产生单位", "衢州示范化工有限公司"), ("联系人和联系方式", "张工 0570-1234567"),
            ("产生日期", "2026-12-01"), ("废物重量", f"{weight} kg"), ("备注", "贮存场所：一号仓库"))
    return labels.LabelContent(title="危险废物", rows=rows, unit_code=f"913308020000000197900249082026120{i:04d}"[:37],
                               qr_url=f"https://wastechain.quzhou.gov.cn/s/AbCdEfGhIjKlMnOpQrStUvWx{i:05d}",
                               hazards=("T", "I"))


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=int, default=100)
    n = parser.parse_args().labels
    labels.labels_sheet_pdf([content(10_000)])  # loads the font once, as a worker does on its first label
    first = tuple(content(i) for i in range(n))
    cold = timed(lambda: labels._sheet(first, "bench"))
    reprint = tuple(content(i, weight="13") for i in range(n))
    warm = timed(lambda: labels._sheet(reprint, "bench"))
    cached = timed(lambda: labels._sheet(reprint, "bench"))
    png = min(timed(lambda: labels.label_png(content(i))) for i in range(5))
    print(f"sheet of {n} new labels: {cold:.2f} s; other text, same QR codes: {warm:.2f} s; "
          f"the same sheet again (cache): {cached * 1000:.1f} ms; one label PNG: {png * 1000:.0f} ms")


if __name__ == "__main__":
    main()
