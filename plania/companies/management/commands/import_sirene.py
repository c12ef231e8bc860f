import argparse
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plania.companies.sirene import MAX_BYTES_ENV, SireneFileError, Skip, check_stock
from plania.companies.sirene_import import ImportStats, sirene_import
from plania.core import tabular


class Command(BaseCommand):
    help = (
        "Import INSEE's SIRENE stock files into the local store: StockUniteLegale (FILE) "
        "and/or StockEtablissement (--establishments), each as the CSV or the zip INSEE "
        "publishes. Each file is first read through for what would make it unusable "
        f"(larger than {MAX_BYTES_ENV}, a missing column, not UTF-8, cut short, a damaged "
        "zip): such a file is refused and nothing is written. Rows are then streamed and "
        "upserted in batches (memory stays bounded); invalid rows are skipped and reported "
        "with their line and reason. Running it again with a newer file updates the store."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", nargs="?", help="StockUniteLegale CSV or zip")
        parser.add_argument(
            "--establishments", metavar="FILE", help="StockEtablissement CSV or zip"
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--report",
            metavar="CSV",
            help="write every skipped row (file, line, key, reason, message) to this CSV",
        )
        parser.add_argument(
            "--show",
            type=int,
            default=20,
            metavar="N",
            help="print the first N skipped rows of each file (default 20; all go to --report)",
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="progress bar on stderr (default: when stderr is a terminal)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="end with the summary as one JSON line",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        file, establishments = options["file"], options["establishments"]
        batch_size, report = options["batch_size"], options["report"]
        if not file and not establishments:
            raise CommandError("give a StockUniteLegale FILE, --establishments FILE, or both")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        files = [
            (kind, path)
            for kind, path in (("units", file), ("establishments", establishments))
            if path
        ]
        # Both files are checked before either is written: a bad establishments file does
        # not leave a fresh units table beside stale establishments.
        for kind, path in files:
            self._check(kind, path, options["progress"])
        report_file = open(report, "w", newline="", encoding="utf-8") if report else None
        report_writer = tabular.csv_writer(report_file) if report_file else None
        if report_writer:
            report_writer.writerow(["file", "line", "key", "reason", "message"])
        summary: dict[str, dict] = {}
        try:
            for kind, path in files:
                stats = self._import(
                    kind, path, batch_size, report_writer, options["show"], options["progress"]
                )
                summary[kind] = stats.as_dict()
                self._summary(path, stats)
        finally:
            if report_file:
                report_file.close()
        if options["as_json"]:
            self.stdout.write(json.dumps(summary, sort_keys=True))

    def _check(self, kind: str, path: str, progress: bool | None) -> None:
        label = "StockUniteLegale" if kind == "units" else "StockEtablissement"
        with tqdm(
            desc=f"{label} (check)",
            unit=" rows",
            unit_scale=True,
            file=sys.stderr,
            disable=_disable(progress),
        ) as bar:
            try:
                check_stock(path, kind, on_progress=bar.update)
            except SireneFileError as exc:
                raise CommandError(
                    f"{path}: {exc}. Nothing was imported: the store is as it was."
                ) from exc

    def _import(self, kind, path, batch_size, report_writer, show, progress) -> ImportStats:  # type: ignore[no-untyped-def]
        shown = 0

        def on_skip(item: Skip) -> None:
            nonlocal shown
            if shown < show:
                self.stderr.write(f"{path}: skipped {item}")
            elif shown == show:
                more = " (all of them in --report)" if report_writer else ""
                self.stderr.write(f"{path}: more skipped rows not shown{more}")
            shown += 1
            if report_writer:
                report_writer.writerow([path, item.line, item.key, item.reason, item.message])

        label = "StockUniteLegale" if kind == "units" else "StockEtablissement"
        with tqdm(
            desc=label, unit=" rows", unit_scale=True, file=sys.stderr, disable=_disable(progress)
        ) as bar:
            try:
                return sirene_import(
                    path=path,
                    kind=kind,
                    batch_size=batch_size,
                    on_skip=on_skip,
                    on_progress=bar.update,
                    check=False,  # done by _check, for both files, before any write
                )
            except SireneFileError as exc:
                # Only when the file changed since it was checked: the batches written
                # before stay (the upsert converges when the import is run again).
                raise CommandError(
                    f"{path}: {exc}. Nothing more was imported; run the import again."
                ) from exc

    def _summary(self, path: str, stats: ImportStats) -> None:
        reasons = ", ".join(f"{r}: {n}" for r, n in sorted(stats.skipped_by_reason.items()))
        line = (
            f"{path}: {stats.read} rows read, {stats.imported} imported "
            f"({stats.inserted} inserted, {stats.updated} updated), {stats.skipped} skipped"
            f"{f' ({reasons})' if reasons else ''}, in {stats.seconds:.1f} s "
            f"({stats.rows_per_s:,.0f} rows/s)."
        )
        style = self.style.WARNING if stats.skipped else self.style.SUCCESS
        self.stdout.write(style(line))


def _disable(progress: bool | None) -> bool | None:
    # tqdm: disable=None means "off when the output is not a terminal".
    return None if progress is None else not progress
