"""Ingestion benchmark: our pipeline against frictionless and a raw pyarrow read, in one run.

    make bench-ingest            # ROWS=1000000 by default; XLSX_ROWS=100000; REPEAT=3
    ROWS=5000000 make bench-ingest

Each contender runs in its own child process so its peak memory (ru_maxrss from wait4) is
its own. Ours and the fast peers run REPEAT times, taking turns, and count with their median
time (this shared 2-core machine varies by a third between runs); frictionless runs once.
The last line printed is JSON.
"""

import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INDICATORS = ["kemiskinan", "stunting", "ipm", "tpt", "aps", "akb", "aki", "gini"]
UNITS = ["persen", "jiwa", "rupiah", "indeks", "unit", "km"]


def regency_codes():
    data = json.loads(
        gzip.decompress(resources.files("lokal").joinpath("data/wilayah.json.gz").read_bytes())
    )
    return sorted((code, name) for code, name in data.items() if code.count(".") == 1)


def generate_csv(path, rows, seed=42):
    rng = random.Random(seed)
    codes = [c for c, _ in regency_codes()]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id,kode_wilayah,tahun,tanggal,indikator,nilai,persentase,satuan\n")
        buf = []
        for i in range(1, rows + 1):
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            buf.append(
                f"{i},{rng.choice(codes)},{rng.randint(2015, 2025)},2024-{month:02d}-{day:02d},"
                f"{rng.choice(INDICATORS)},{rng.uniform(0, 100000):.2f},{rng.uniform(0, 100):.2f},{rng.choice(UNITS)}\n"
            )
            if len(buf) == 10000:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))


def table_schema():
    return {
        "fields": [
            {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True}},
            {
                "name": "kode_wilayah",
                "type": "string",
                "constraints": {"required": True, "pattern": r"^\d{2}\.\d{2}$"},
                "satudata:role": "region_code",
            },
            {"name": "tahun", "type": "integer", "constraints": {"minimum": 2000, "maximum": 2100}},
            {"name": "tanggal", "type": "date"},
            {"name": "indikator", "type": "string", "constraints": {"enum": INDICATORS}},
            {"name": "nilai", "type": "number"},
            {"name": "persentase", "type": "number", "constraints": {"minimum": 0, "maximum": 100}},
            {"name": "satuan", "type": "string", "constraints": {"enum": UNITS}},
        ],
        "primaryKey": ["id"],
        "missingValues": [""],
    }


def generate_xlsx(path, rows, seed=7):
    import xlsxwriter

    rng = random.Random(seed)
    codes = [c for c, _ in regency_codes()]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Data")
    sheet.write_row(
        0,
        0,
        ["id", "kode_wilayah", "tahun", "tanggal", "indikator", "nilai", "persentase", "satuan"],
    )
    for i in range(1, rows + 1):
        sheet.write_number(i, 0, i)
        sheet.write_string(i, 1, rng.choice(codes))
        sheet.write_number(i, 2, rng.randint(2015, 2025))
        sheet.write_string(i, 3, f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        sheet.write_string(i, 4, rng.choice(INDICATORS))
        sheet.write_number(i, 5, round(rng.uniform(0, 100000), 2))
        sheet.write_number(i, 6, round(rng.uniform(0, 100), 2))
        sheet.write_string(i, 7, rng.choice(UNITS))
    book.close()


# --- contenders (each runs in a child process) -----------------------------------------------


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    os.environ.setdefault("SATUDATA_VAR_DIR", tempfile.mkdtemp(prefix="bench-var-"))
    import django

    django.setup()


def run_ours(path, schema_path):
    setup_django()
    # The pipeline imports its stages lazily; they are imported here, before the clock starts,
    # as every other contender's imports are (importing lokal's PII helpers alone takes ~0.5 s,
    # which a worker pays once per process, not per upload).
    from satudata.ingest import pii, read, read_csv, read_sheet, validate, xlsx_parts  # noqa: F401
    from satudata.ingest.actions import check_sheets, parts_scan
    from satudata.ingest.reference import RegionReference

    schema = json.loads(Path(schema_path).read_text())
    regions = RegionReference.from_rows([(code, name, 2, "") for code, name in regency_codes()])
    workdir = Path(tempfile.mkdtemp(prefix="bench-ours-"))
    path = Path(path)
    started = time.perf_counter()
    # What the upload pipeline runs (actions._pipeline): for an XLSX the guard over the
    # workbook's other parts beside everything else; the sheets read; then validation and the
    # guard over the sheets side by side. The upload size limit is a setting for the web; the
    # benchmark reads files of any size.
    with parts_scan(path, path.name) as parts_findings:
        sheets = read.read_upload(
            path, path.name, workdir, limits=read.Limits(max_bytes=100 * 2**30)
        )
        result, findings = check_sheets(sheets, sheets[0], schema, regions, workdir)
        findings += parts_findings()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": result.row_count,
        "errors": result.error_count,
        "pii_findings": len(findings),
        "parquet_bytes": Path(result.typed_path).stat().st_size,
    }


def run_frictionless(path, schema_path):
    import frictionless

    schema = json.loads(Path(schema_path).read_text())
    schema["fields"] = [
        {k: v for k, v in f.items() if not k.startswith("satudata:")} for f in schema["fields"]
    ]
    started = time.perf_counter()
    path = Path(path)
    resource = frictionless.Resource(
        path=path.name,
        basepath=str(path.parent),
        schema=frictionless.Schema.from_descriptor(schema),
    )
    report = resource.validate(limit_errors=1000)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": report.tasks[0].stats.get("rows"), "valid": report.valid}


def run_pyarrow(path, schema_path):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {
        "id": pa.int64(),
        "kode_wilayah": pa.string(),
        "tahun": pa.int32(),
        "tanggal": pa.string(),
        "indikator": pa.string(),
        "nilai": pa.float64(),
        "persentase": pa.float64(),
        "satuan": pa.string(),
    }
    started = time.perf_counter()
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": table.num_rows}


def run_calamine(path, schema_path):
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(rows) - 1}


CONTENDERS = {
    "ours": run_ours,
    "frictionless": run_frictionless,
    "pyarrow": run_pyarrow,
    "calamine": run_calamine,
}


def measure(name, path, schema_path):
    """Run one contender in a child; return its result plus peak RSS (MB) and CPU seconds."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", name, str(path), str(schema_path)],
        stdout=subprocess.PIPE,
    )
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{name} failed (status {status})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    result["process_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)  # imports included
    result["rows_per_s"] = round(result["rows"] / result["seconds"]) if result["seconds"] else None
    print(
        f"  {name:13s} {result['rows']:>10,} rows  {result['seconds']:8.2f} s  "
        f"{result['rows_per_s']:>12,} rows/s  peak {result['peak_rss_mb']:7.1f} MB",
        flush=True,
    )
    return result


def interleaved(names, path, schema_path, repeat):
    """Each contender `repeat` times, taking turns (so that a slow minute of a shared machine
    falls on all of them), summed up as the median time and the highest peak memory."""
    runs = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            runs[name].append(measure(name, path, schema_path))
    summary = {}
    for name, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        summary[name] = {
            **results[0],
            "seconds": seconds,
            "runs_s": [round(r["seconds"], 3) for r in results],
            "rows_per_s": round(results[0]["rows"] / seconds),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
        }
    return summary


def main():
    rows = int(os.environ.get("ROWS", "1000000"))
    xlsx_rows = int(os.environ.get("XLSX_ROWS", "100000"))
    repeat = max(1, int(os.environ.get("REPEAT", "3")))
    skip_frictionless = os.environ.get("SKIP_FRICTIONLESS") == "1"
    work = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"data_{rows}.csv"
    schema_path = work / "schema.json"
    schema_path.write_text(json.dumps(table_schema()))
    if not csv_path.exists():
        print(f"generating {rows:,} rows …", flush=True)
        generate_csv(csv_path, rows)
    print(f"CSV {csv_path.stat().st_size / 1e6:.1f} MB, {rows:,} rows × 8 columns", flush=True)
    csv = interleaved(["ours", "pyarrow"], csv_path, schema_path, repeat)
    ours, arrow = csv["ours"], csv["pyarrow"]
    # frictionless once: a run takes a minute, and a tenth of it either way moves the ratio less
    # than the spread of our own runs
    fl = None if skip_frictionless else measure("frictionless", csv_path, schema_path)

    xlsx_path = work / f"data_{xlsx_rows}.xlsx"
    if not xlsx_path.exists():
        generate_xlsx(xlsx_path, xlsx_rows)
    print(f"XLSX {xlsx_path.stat().st_size / 1e6:.1f} MB, {xlsx_rows:,} rows", flush=True)
    xlsx = interleaved(["ours", "calamine"], xlsx_path, schema_path, repeat)
    ours_xlsx, calamine = xlsx["ours"], xlsx["calamine"]

    summary = {
        "rows": rows,
        "repeat": repeat,
        "ours_rows_per_s": ours["rows_per_s"],
        "frictionless_rows_per_s": fl["rows_per_s"] if fl else None,
        "pyarrow_rows_per_s": arrow["rows_per_s"],
        "ratio_vs_frictionless": round(ours["rows_per_s"] / fl["rows_per_s"], 1) if fl else None,
        "ratio_vs_pyarrow": round(ours["rows_per_s"] / arrow["rows_per_s"], 3),
        "peak_rss_mb": ours["peak_rss_mb"],
        "ours_runs_s": ours["runs_s"],
        "pyarrow_runs_s": arrow["runs_s"],
        "ours_errors_found": ours["errors"],
        "xlsx_rows": xlsx_rows,
        "ours_xlsx_rows_per_s": ours_xlsx["rows_per_s"],
        "calamine_rows_per_s": calamine["rows_per_s"],
        "ratio_xlsx_vs_calamine": round(ours_xlsx["rows_per_s"] / calamine["rows_per_s"], 3),
        "ours_xlsx_runs_s": ours_xlsx["runs_s"],
        "calamine_runs_s": calamine["runs_s"],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(CONTENDERS[sys.argv[2]](sys.argv[3], sys.argv[4])))
    else:
        main()
