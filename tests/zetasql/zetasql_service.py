"""ZetaSQL's local service (the PyPI package `zetasql`: Google's ZetaSQL compiled to WebAssembly), started once,
set up to judge SQL as BigQuery would (facts: ../shared/reference/zetasql-notes.md).

Compiling the 28 MB wasm module takes ~40 s of CPU; wasmtime can serialize the compiled module, so it is kept
on disk keyed by the package's and wasmtime's versions and loaded back in ~0.5 s. The package's WasmClient
compiles with `Module.from_file`; `_cached_module_class` stands in for that one call while the client is built,
and everything else is the package's own code. Requests and responses are the generated protobuf messages: the
package's dataclass layer converts whole resolved ASTs and is much slower.

The catalog is the repo's schema files: a nested catalog per dataset (`dataset.table`), one per project
(`project.dataset.table`), and the backticked forms as single root-level names (ZetaSQL reads `` `a.b` `` as one
identifier where BigQuery splits it). The reference evaluator only reads rows of root-level tables, so
`evaluate` rewrites table references to the backticked form.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf import message
from zetasql.wasi._pb2.zetasql.local_service import local_service_pb2 as service_pb2
from zetasql.wasi._pb2.zetasql.proto import options_pb2 as proto_options_pb2
from zetasql.wasi._pb2.zetasql.proto import simple_catalog_pb2
from zetasql.wasi._pb2.zetasql.public import (
    options_pb2,
    parse_resume_location_pb2,
    simple_table_pb2,
    type_pb2,
    value_pb2,
)
from zetasql.wasi._pb2.zetasql.resolved_ast import resolved_node_kind_pb2

from nba_backfill.tables import all_tables, table_schema
from nba_backfill.warehouse.bigquery.backend import DEFAULT_PROJECT

M = TypeVar("M", bound=message.Message)
EPOCH = dt.date(1970, 1, 1)
TYPE_KINDS = {
    "STRING": type_pb2.TYPE_STRING,
    "INT64": type_pb2.TYPE_INT64,
    "FLOAT64": type_pb2.TYPE_DOUBLE,
    "BOOL": type_pb2.TYPE_BOOL,
    "DATE": type_pb2.TYPE_DATE,
    "TIMESTAMP": type_pb2.TYPE_TIMESTAMP,
    "JSON": type_pb2.TYPE_JSON,
    "NUMERIC": type_pb2.TYPE_NUMERIC,
    "BYTES": type_pb2.TYPE_BYTES,
}
# In ZetaSQL's maximum feature set but not in BigQuery (and every graph-query feature).
NOT_IN_BIGQUERY = (
    "FEATURE_TIMESTAMP_NANOS",
    "FEATURE_TIMESTAMP_PICOS",
    "FEATURE_LATERAL_JOIN",
    "FEATURE_LATERAL_COLUMN_REFERENCES",
    "FEATURE_TYPEOF_FUNCTION",
    "FEATURE_MULTILEVEL_AGGREGATION",
    "FEATURE_MULTILEVEL_AGGREGATION_ON_UDAS",
    "FEATURE_UUID_TYPE",
    "FEATURE_FOR_UPDATE",
    "FEATURE_INSERT_ON_CONFLICT_CLAUSE",
    "FEATURE_NULLIFZERO_ZEROIFNULL",
)
# INFORMATION_SCHEMA.PARTITIONS, as far as the warehouse reads it.
PARTITIONS_COLUMNS = (("table_name", "STRING"), ("partition_id", "STRING"), ("total_rows", "INT64"))


class ZetaSQLError(Exception):
    """What ZetaSQL said, one line, with the file and line:column."""


def _cached_module_class(cache_dir: Path):
    from importlib.metadata import version

    import wasmtime

    path = cache_dir / f"zetasql-{version('zetasql')}-wasmtime-{version('wasmtime')}.cwasm"

    class CachedModule:
        """`Module.from_file` that reads the compiled module from `path`, compiling (and writing it) once."""

        @staticmethod
        def from_file(engine, wasm_path):
            if path.exists():
                try:
                    return wasmtime.Module.deserialize_file(engine, str(path))
                except wasmtime.WasmtimeError:
                    pass  # written by another engine configuration: compile again
            module = wasmtime.Module.from_file(engine, wasm_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
            partial.write_bytes(module.serialize())
            os.replace(partial, path)  # two sessions compiling at once both write whole files
            return module

    return CachedModule


class LocalService:
    """One wasm instance of ZetaSQL's local service; `call("Analyze", request, AnalyzeResponse)`."""

    def __init__(self, cache_dir: Path):
        from zetasql.core import wasm_client
        from zetasql.wasi import get_wasm_path

        compile_module = wasm_client.Module
        wasm_client.Module = _cached_module_class(cache_dir)
        try:
            self._client = wasm_client.WasmClient(str(get_wasm_path()))
        finally:
            wasm_client.Module = compile_module
        # The client copies memory a byte at a time in Python (~1 s for a big resolved AST): copy in bulk.
        memory = self._client.memory

        def base() -> int:
            return ctypes.cast(memory.data_ptr(), ctypes.c_void_p).value

        self._client.read_bytes = lambda ptr, size: ctypes.string_at(base() + ptr, size)
        self._client.write_bytes = lambda ptr, data: ctypes.memmove(base() + ptr, data, len(data))

    def call(self, method: str, request: message.Message, response_type: type[M]) -> M:
        from zetasql.core.exceptions import ServerError

        try:
            return self._client.call_grpc_func(f"ZetaSqlLocalService_{method}", request, response_type)
        except ServerError as err:  # its parser keeps the message's first line: the whole one is in raw_error
            raise ZetaSQLError(" ".join(err.raw_error.split("Message: ", 1)[-1].split())) from None


# -- types and values --------------------------------------------------------------------------------------


def type_proto(bigquery_type: str, repeated: bool = False) -> type_pb2.TypeProto:
    scalar = type_pb2.TypeProto(type_kind=TYPE_KINDS[bigquery_type])
    if not repeated:
        return scalar
    return type_pb2.TypeProto(type_kind=type_pb2.TYPE_ARRAY, array_type=type_pb2.ArrayTypeProto(element_type=scalar))


def value_proto(value: Any, bigquery_type: str, repeated: bool = False) -> value_pb2.ValueProto:
    """A Python value as ZetaSQL's ValueProto of the given type (NULL is an empty value)."""
    if value is None:
        return value_pb2.ValueProto()
    if repeated:
        return value_pb2.ValueProto(
            array_value=value_pb2.ValueProto.Array(element=[value_proto(v, bigquery_type) for v in value])
        )
    if bigquery_type == "DATE":
        return value_pb2.ValueProto(date_value=(value - EPOCH).days)
    if bigquery_type == "TIMESTAMP":
        out = value_pb2.ValueProto()
        out.timestamp_value.FromDatetime(value)
        return out
    field = {
        "STRING": "string_value",
        "INT64": "int64_value",
        "FLOAT64": "double_value",
        "BOOL": "bool_value",
        "JSON": "json_value",
    }[bigquery_type]
    return value_pb2.ValueProto(**{field: value})


def python_value(value: value_pb2.ValueProto, type_: type_pb2.TypeProto) -> Any:
    """A result cell back as Python (DATE -> date, TIMESTAMP -> aware datetime, ARRAY -> list)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [python_value(v, type_.array_type.element_type) for v in value.array_value.element]
    if kind == "date_value":
        return EPOCH + dt.timedelta(days=value.date_value)
    if kind == "timestamp_value":
        return value.timestamp_value.ToDatetime(tzinfo=dt.UTC)
    return getattr(value, kind)


# -- catalog and options -----------------------------------------------------------------------------------


def _table(name: str, columns: Iterable[tuple[str, type_pb2.TypeProto]]) -> simple_table_pb2.SimpleTableProto:
    return simple_table_pb2.SimpleTableProto(
        name=name, column=[simple_table_pb2.SimpleColumnProto(name=c, type=t) for c, t in columns]
    )


def _schema_columns(table: str) -> list[tuple[str, type_pb2.TypeProto]]:
    return [(f.name, type_proto(f.type, f.mode == "REPEATED")) for f in table_schema(table).fields]


class BigQueryAnalyzer:
    """Analyze statements and scripts, and run queries with the reference evaluator, as BigQuery's dialect."""

    def __init__(self, service: LocalService, project: str = DEFAULT_PROJECT):
        self.service = service
        self.project = project
        self.language = self._language_options()
        self.catalog = self._catalog()
        self.catalog_id = self._register()

    def _language_options(self) -> proto_options_pb2.LanguageOptionsProto:
        language = self.service.call(
            "GetLanguageOptions",
            service_pb2.LanguageOptionsRequest(maximum_features=True),
            proto_options_pb2.LanguageOptionsProto,
        )
        features = options_pb2.LanguageFeature
        dropped = {features.Value(name) for name in NOT_IN_BIGQUERY} | {
            v.number for v in features.DESCRIPTOR.values if "GRAPH" in v.name and "GEOGRAPHY" not in v.name
        }
        kept = [f for f in language.enabled_language_features if f not in dropped]
        del language.enabled_language_features[:]
        language.enabled_language_features.extend(kept)
        language.product_mode = options_pb2.PRODUCT_EXTERNAL
        del language.supported_statement_kinds[:]
        language.supported_statement_kinds.extend(
            v.number for v in resolved_node_kind_pb2.ResolvedNodeKind.DESCRIPTOR.values if v.name.endswith("_STMT")
        )
        language.reserved_keywords.append("QUALIFY")
        return language

    def _catalog(self, extra: Mapping[str, list[tuple[str, type_pb2.TypeProto]]] | None = None):
        datasets: dict[str, list[str]] = {}
        for name in all_tables():
            datasets.setdefault(name.split(".")[0], []).append(name)
        root = simple_catalog_pb2.SimpleCatalogProto(
            name="bigquery",
            builtin_function_options=proto_options_pb2.ZetaSQLBuiltinFunctionOptionsProto(
                language_options=self.language
            ),
        )
        project = root.catalog.add(name=self.project)
        for dataset, tables in sorted(datasets.items()):
            nested = [_table(t.split(".")[1], _schema_columns(t)) for t in tables]
            root.catalog.add(name=dataset, table=nested)
            project.catalog.add(name=dataset, table=nested)
            for table in tables:
                root.table.append(_table(table, _schema_columns(table)))
                root.table.append(_table(f"{self.project}.{table}", _schema_columns(table)))
            partitions = [(c, type_proto(t)) for c, t in PARTITIONS_COLUMNS]
            root.table.append(_table(f"{self.project}.{dataset}.INFORMATION_SCHEMA.PARTITIONS", partitions))
        for name, columns in (extra or {}).items():
            root.table.append(_table(name, columns))
        return root

    def _options(self, params: Mapping[str, type_pb2.TypeProto]) -> proto_options_pb2.AnalyzerOptionsProto:
        return proto_options_pb2.AnalyzerOptionsProto(
            language_options=self.language,
            query_parameters=[
                proto_options_pb2.AnalyzerOptionsProto.QueryParameterProto(name=n, type=t) for n, t in params.items()
            ],
            error_message_mode=options_pb2.ERROR_MESSAGE_ONE_LINE,
            parameter_mode=options_pb2.PARAMETER_NAMED,
            allow_undeclared_parameters=False,
            default_timezone="UTC",
        )

    # -- analysis ------------------------------------------------------------------------------------------
    def analyze_script(
        self,
        sql: str,
        params: Mapping[str, type_pb2.TypeProto],
        filename: str,
        tables: Mapping[str, list[tuple[str, type_pb2.TypeProto]]] | None = None,
    ) -> int:
        """Analyze each statement of `sql` in turn (a CREATE TEMP TABLE joins the catalog for the statements
        after it, as do `tables`: name -> columns; scripting blocks are stepped into); returns how many
        statements were analyzed. Raises ZetaSQLError naming `filename` and line:column."""
        temp: dict[str, list[tuple[str, type_pb2.TypeProto]]] = dict(tables or {})
        catalog_id = self.catalog_id if not temp else self._register(temp)
        data = sql.encode()  # ZetaSQL's positions count bytes
        position, count = 0, 0
        try:
            while _has_statement(rest := data[position:].decode()):
                if block := _SCRIPT_BLOCK.match(rest):
                    position += len(block.group(0).encode())
                    continue
                request = service_pb2.AnalyzeRequest(
                    options=self._options(params),
                    registered_catalog_id=catalog_id,
                    parse_resume_location=parse_resume_location_pb2.ParseResumeLocationProto(
                        filename=filename, input=sql, byte_position=position, allow_resume=True
                    ),
                )
                response = self.service.call("Analyze", request, service_pb2.AnalyzeResponse)
                create = response.resolved_statement.resolved_create_statement_node
                created = create.resolved_create_table_stmt_base_node.resolved_create_table_as_select_stmt_node
                if created.ByteSize():
                    base = created.parent
                    temp[".".join(base.parent.name_path)] = [(c.name, c.type) for c in base.column_definition_list]
                    if catalog_id != self.catalog_id:
                        self._unregister(catalog_id)
                    catalog_id = self._register(temp)
                position = response.resume_byte_position
                count += 1
        finally:
            if catalog_id != self.catalog_id:
                self._unregister(catalog_id)
        return count

    def _register(self, extra: Mapping[str, list[tuple[str, type_pb2.TypeProto]]] | None = None) -> int:
        """A catalog registered once (its builtin functions are built once, not per request)."""
        request = service_pb2.RegisterCatalogRequest(simple_catalog=self._catalog(extra))
        return self.service.call("RegisterCatalog", request, service_pb2.RegisterResponse).registered_id

    def _unregister(self, catalog_id: int) -> None:
        from google.protobuf import empty_pb2

        request = service_pb2.UnregisterRequest(registered_id=catalog_id)
        self.service.call("UnregisterCatalog", request, empty_pb2.Empty)

    # -- execution -----------------------------------------------------------------------------------------
    def evaluate(
        self, sql: str, params: Mapping[str, Any], tables: Mapping[str, list[dict]]
    ) -> tuple[list[str], list[tuple]]:
        """Run a query with the reference evaluator over `tables` (dataset.table -> rows as dicts); parameters
        are typed as the BigQuery backend types them. Returns (column names, rows)."""
        from nba_backfill.warehouse.bigquery.parameters import query_parameters

        text = _backticked_tables(sql)
        content = {}
        for table, rows in tables.items():
            fields = table_schema(table).fields
            data = service_pb2.TableData(
                row=[
                    service_pb2.TableData.Row(
                        cell=[value_proto(row.get(f.name), f.type, f.mode == "REPEATED") for f in fields]
                    )
                    for row in rows
                ]
            )
            content[table] = service_pb2.TableContent(table_data=data)
        declared, values = {}, []
        for param in query_parameters(params):
            repeated = hasattr(param, "array_type")
            kind = param.array_type if repeated else param.type_
            declared[param.name] = type_proto(kind, repeated)
            values.append(service_pb2.Parameter(name=param.name, value=value_proto(params[param.name], kind, repeated)))
        request = service_pb2.EvaluateQueryRequest(
            sql=text,
            options=self._options(declared),
            simple_catalog=self.catalog,  # rows cannot be attached to a registered catalog
            table_content=content,
            params=values,
        )
        response = self.service.call("EvaluateQuery", request, service_pb2.EvaluateQueryResponse)
        columns = list(response.prepared.columns)
        rows = [
            tuple(python_value(cell, column.type) for cell, column in zip(row.cell, columns))
            for row in response.content.table_data.row
        ]
        return [c.name for c in columns], rows


_COMMENT = re.compile(r"--[^\n]*|#[^\n]*|/\*.*?\*/", re.S)
# BigQuery scripting around statements, which ZetaSQL's analyzer cannot parse: the keywords of a
# BEGIN ... EXCEPTION WHEN ERROR THEN ... END block are stepped over (the statements inside are analyzed);
# a RAISE statement is not checked.
_SCRIPT_BLOCK = re.compile(
    r"(?:\s|--[^\n]*|/\*.*?\*/)*(?:BEGIN\b(?!\s+TRAN)|EXCEPTION\s+WHEN\s+ERROR\s+THEN\b|END\s*;|RAISE\b[^;]*;)",
    re.I | re.S,
)


def _has_statement(rest: str) -> bool:
    """Anything left but whitespace, semicolons and comments?"""
    return bool(_COMMENT.sub("", rest).strip(" \t\r\n;"))


def _backticked_tables(sql: str) -> str:
    """`dataset.table` references (not already quoted) as one backticked name, for the evaluator."""
    names = set(all_tables())
    pattern = re.compile(r"(?<![`\w.])([A-Za-z_]\w*)\.([A-Za-z_]\w*)(?![`\w])")

    def quote(match: re.Match) -> str:
        name = f"{match.group(1)}.{match.group(2)}"
        return f"`{name}`" if name in names else match.group(0)

    return pattern.sub(quote, sql)
