"""Every named exception and warning of tradetalks.

Messages say what was expected and what was found, naming the field, the offending labels and the
value, so that a CLI or web adapter can show them to a user unchanged.

All exceptions derive from :class:`TradeTalksError`; adapters catch that one class.
"""

from __future__ import annotations

from typing import Any


class TradeTalksError(Exception):
    """Base class of every error raised on purpose by tradetalks."""


class TradeTalksWarning(UserWarning):
    """Base class of every warning emitted by tradetalks."""


# --- data -----------------------------------------------------------------------------------


class DataError(TradeTalksError):
    """Invalid trade data (raised on construction, on load and on every transformation)."""


class ValidationError(DataError):
    """A field of a dataset fails a validation rule.

    Parameters
    ----------
    field
        Name of the offending variable (``trade``, ``tariff``, ``sigma``, ...).
    expected
        What the rule requires.
    found
        What was found, with labels and values.
    """

    def __init__(self, field: str, expected: str, found: str) -> None:
        self.field = field
        self.expected = expected
        self.found = found
        super().__init__(f"{field}: expected {expected}; found {found}")


class NegativeFlowError(ValidationError):
    """Trade flows are negative."""


class MissingValueError(ValidationError):
    """NaN or infinite values where numbers are required."""


class MissingDomesticSalesError(ValidationError):
    """A country has no (or zero) domestic sales on the diagonal."""


class LabelError(ValidationError):
    """Duplicate, mismatched or unknown labels."""


class ShapeError(ValidationError):
    """Arrays whose dimensions or shapes do not match."""


class TariffRangeError(ValidationError):
    """Tariffs outside [0, 10] or non-zero on the diagonal."""


class ElasticityError(ValidationError):
    """Non-positive (or otherwise inadmissible) elasticities."""


class ShareError(ValidationError):
    """Input-output, value-added or final-demand shares that do not sum to one."""


class ConservationError(DataError):
    """An aggregation changed a total that it must conserve."""


class DatasetNotFoundError(DataError):
    """A dataset name is not registered, or a path does not exist."""


class ReferenceDataMissingError(DataError):
    """The reference data folder (``TRADETALKS_DATA_DIR``) lacks a needed file."""


class FileFormatError(DataError):
    """A file could not be read as the expected format."""


# --- model ----------------------------------------------------------------------------------


class ModelError(TradeTalksError):
    """Invalid model input (shocks, parameters, options)."""


class OptionError(ModelError):
    """An option outside its allowed values."""

    def __init__(self, option: str, allowed: Any, found: Any) -> None:
        self.option = option
        self.allowed = allowed
        self.found = found
        super().__init__(f"{option}: expected one of {allowed!r}; found {found!r}")


class ConvergenceError(ModelError):
    """A solver did not converge (raised in strict mode).

    Attributes
    ----------
    iterations, residual
        Diagnostics of the failed solve.
    """

    def __init__(self, what: str, iterations: int, residual: float, tol: float) -> None:
        self.what = what
        self.iterations = iterations
        self.residual = residual
        self.tol = tol
        super().__init__(
            f"{what} did not converge: residual {residual:.3e} > tolerance {tol:.1e} "
            f"after {iterations} iterations"
        )


class ConvergenceWarning(TradeTalksWarning):
    """A solver stopped without meeting its tolerance (non-strict mode)."""


# --- policy, scenarios, bargaining ----------------------------------------------------------


class PolicyError(TradeTalksError):
    """Invalid tariff measure, timeline or scenario."""


class SpecError(PolicyError):
    """A scenario, package or objective file that fails validation.

    The message names the file, the field and what was expected.
    """

    def __init__(self, source: str, field: str, expected: str, found: str) -> None:
        self.source = source
        self.field = field
        self.expected = expected
        self.found = found
        super().__init__(f"{source}: field '{field}': expected {expected}; found {found}")


class ScenarioNotFoundError(PolicyError):
    """A scenario name is not built in and is not a file."""


class BargainingError(TradeTalksError):
    """Invalid bargaining problem (no agreement zone, bad weights, ...)."""


class StoreError(TradeTalksError):
    """The negotiation record store failed."""


# --- negotiation record store (tradetalks.store) ----------------------------------------------


class StoreConfigError(StoreError):
    """A database URL that cannot be used (bad syntax, unsupported dialect, missing driver)."""


class DatabaseUnavailableError(StoreError):
    """The database cannot be reached or opened (server down, file unreadable, locked too long)."""


class SchemaVersionError(StoreError):
    """The database schema is not the one this version of tradetalks expects (run ``Store.migrate()``)."""


class StoreInputError(StoreError):
    """A value given to the store is invalid (empty title, unknown party, payload that is not JSON)."""


class DuplicateError(StoreError):
    """A write would break a uniqueness rule (a round number or record key already taken)."""


class NotFoundError(StoreError):
    """An id that names nothing in the store."""


class RecordNotFoundError(NotFoundError):
    """No negotiation record with that id (or key)."""


class RoundNotFoundError(NotFoundError):
    """No round with that id."""


class OfferNotFoundError(NotFoundError):
    """No offer with that id."""


class RunNotFoundError(NotFoundError):
    """No evaluation run with that id."""


# --- web service ----------------------------------------------------------------------------


class ServiceError(TradeTalksError):
    """A request to the web service that cannot be served as asked."""


class ResourceNotFoundError(ServiceError):
    """No job, record or other resource with the requested id."""


class ServiceLimitError(ServiceError):
    """A request beyond a limit of the service (pending jobs, body size)."""


# --- issue 15 (H15): user input at the edges, error boundary, store health ---------------------


class InputError(TradeTalksError, ValueError):
    """A value a user typed (CLI option, file field, request body) that is not acceptable.

    Also a ``ValueError`` so that pydantic validators turn it into a field error.

    Parameters
    ----------
    field
        The option or field name (``--beta``, ``tol``, ``rule 'USA:JPN:*=e'``).
    expected
        What is allowed.
    found
        What was given (shortened).
    """

    def __init__(self, field: str, expected: str, found: str) -> None:
        self.field = field
        self.expected = expected
        self.found = found
        super().__init__(f"{field}: expected {expected}; found {found}")


class NumberFormatError(InputError):
    """Text that is not a number (``abc``, ``1.2.3``, ``e``)."""


class NonFiniteError(InputError):
    """NaN or an infinity where a finite number is required."""


class BoundsError(InputError):
    """A number, count, length or size outside its allowed range."""


class EncodingError(FileFormatError):
    """A text file that is not UTF-8 (UTF-16, Latin-1, binary)."""


class NestingError(FileFormatError):
    """A file nested too deeply to be read (recursion limit)."""


class DataTypeError(ValidationError):
    """A variable of a dataset with the wrong data type (strings where numbers are required)."""


class FlowRangeError(ValidationError):
    """A trade flow too large for the solvers' arithmetic (beyond ``tradetalks.inputs.FLOW_MAX``)."""


class OutputPathError(TradeTalksError):
    """An output path that cannot be written (missing folder, no permission, a directory)."""


class NotConvergedError(ModelError):
    """A result that did not converge, or contains NaN/inf, where a converged one is required."""


class ForeignDatabaseError(StoreError):
    """A database that belongs to another application (not marked as a tradetalks store)."""


class StoreCorruptError(DatabaseUnavailableError):
    """The database file fails its integrity check (garbled header, corrupted page)."""


class ReadOnlyStoreError(StoreError):
    """A write to a store that is open read-only (file or folder not writable)."""


class InvalidRecordError(StoreError):
    """A stored record (offer, run) whose content fails validation."""


# --- issue 12 (H12a): tariffwar_cubes reader, elasticity sets ---------------------------------


class MatFileError(FileFormatError):
    """A MATLAB file that is not v7.3 (HDF5) or lacks the expected variables, fields or shapes."""


class YearNotAvailableError(DatasetNotFoundError):
    """A data year that the reference dataset does not hold."""


class ElasticitySetError(OptionError):
    """An unknown elasticity set name, or a per-sector elasticity file that cannot be used."""


# --- issue 10 (H10): facts files, the US tariff wall, table datasets -------------------------------


class FactsError(PolicyError):
    """A facts file (``policy/facts/*.toml``) that fails validation; the message names file and entry."""


class MissingSourceError(FactsError):
    """A fact or measure without a source title and address (or an explicit ``unknown`` marker)."""


class OverlappingMeasuresError(FactsError):
    """Two measures in force on the same goods and dates with no stacking rule between them."""


class DateOrderError(FactsError):
    """A measure that ends before it starts, or events out of date order."""


class LaterChangesUnknownWarning(TradeTalksWarning):
    """A date after the last sourced fact: changes after that date are unknown to the facts files."""


class TableDatasetError(DataError):
    """A registered table (not a TradeData) asked for where a trade dataset is needed."""


# --- issue 13 (H13): uncertainty draws and sweeps ------------------------------------------------


class SweepError(TradeTalksError):
    """An uncertainty analysis or a sweep that cannot run as asked."""


class SweepSpecError(SweepError):
    """A bad sweep spec or uncertainty option (found before any work starts).

    Parameters
    ----------
    field
        The spec field or option (``draws``, ``datasets``, ``elasticity_sets``, ...).
    expected, found
        What is allowed and what was given.
    """

    def __init__(self, field: str, expected: str, found: str) -> None:
        self.field = field
        self.expected = expected
        self.found = found
        super().__init__(f"{field}: expected {expected}; found {found}")


class SweepRunError(SweepError):
    """A sweep run folder that is missing, incomplete, or holds a different spec than the one resumed."""


# --- issue 11 item 7 (HPW): political-economy weights ----------------------------------------------


class PoliticalWeightsError(DataError):
    """Political-economy weights asked for on a dataset with neither Ossa's weights for its σ nor his
    non-cooperative tariff measures to re-calibrate them from."""
