#!/usr/bin/env python3
"""Writes the malformed-input corpus of tests/data/bad/ and its EXPECTED.tsv.

Each case is one failure class: the file's bytes, the reader that must reject it (kind), the line
the error names (0: none) and the exact problem text (input_error::problem()). For kind=system the
file parses; asor::validate_matrix / validate_rhs reject it (the right-hand side is FILE with
'.mtx' replaced by '.rhs.mtx' when that exists, else none is checked).

Run from anywhere: python3 tests/data/bad/make_corpus.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BANNER = "%%MatrixMarket matrix coordinate real general\n"
SYM = "%%MatrixMarket matrix coordinate real symmetric\n"
ARRAY = "%%MatrixMarket matrix array real general\n"
FORM = "'%%MatrixMarket matrix coordinate|array real|integer|pattern general|symmetric'"
NOT_MM = "not a Matrix Market file (expected '%%MatrixMarket matrix ...' banner)"

cases = []  # (file, bytes, kind, line, message)


def case(name, data, kind, line, message):
    if isinstance(data, str):
        data = data.encode()
    cases.append((name, data, kind, line, message))


# --- Matrix Market matrix: banner ----------------------------------------------------------
case("banner_missing.mtx", "3 3 1\n1 1 1.0\n", "matrix", 1, NOT_MM)
case("banner_incomplete.mtx", "%%MatrixMarket matrix coordinate real\n3 3 1\n1 1 1\n",
     "matrix", 1, "incomplete banner (expected " + FORM + ")")
case("banner_extra_word.mtx", "%%MatrixMarket matrix coordinate real general extra\n3 3 1\n1 1 1\n",
     "matrix", 1, "unexpected 'extra' after the banner (expected " + FORM + ")")
case("banner_object_vector.mtx", "%%MatrixMarket vector coordinate real general\n3 1 1\n1 1 1\n",
     "matrix", 1, "unsupported object 'vector' (only 'matrix')")
case("banner_format_unknown.mtx", "%%MatrixMarket matrix sparse real general\n3 3 1\n1 1 1\n",
     "matrix", 1, "unsupported format 'sparse' (only coordinate and array)")
case("field_complex.mtx", "%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 1 1.0 0.0\n",
     "matrix", 1, "unsupported field 'complex' (only real, integer and pattern)")
case("symmetry_hermitian.mtx", "%%MatrixMarket matrix coordinate real Hermitian\n2 2 1\n1 1 1.0\n",
     "matrix", 1, "unsupported symmetry 'Hermitian' (only general and symmetric)")
case("symmetry_skew.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 1.0\n",
     "matrix", 1, "unsupported symmetry 'skew-symmetric' (only general and symmetric)")
case("array_as_matrix.mtx", ARRAY + "2 2\n1\n0\n0\n1\n", "matrix", 1,
     "array (dense) format is read only as a vector; a matrix must be in coordinate format")
case("empty.mtx", b"", "matrix", 0, "file is empty")
# Deterministic bytes that look like nothing in particular (a PNG signature, then noise).
garbage = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + bytes(
    (i * 151 + 17) % 256 for i in range(512))
case("binary_garbage.mtx", garbage, "matrix", 1, NOT_MM)

# --- Matrix Market matrix: size line -------------------------------------------------------
case("size_missing.mtx", BANNER + "% only comments follow\n%\n", "matrix", 3,
     "missing size line (expected 'rows columns entries')")
case("size_incomplete.mtx", BANNER + "3 3\n1 1 1\n", "matrix", 2,
     "incomplete size line (expected 'rows columns entries')")
case("size_extra_field.mtx", BANNER + "3 3 1 7\n1 1 1\n", "matrix", 2,
     "unexpected extra field '7' on the size line (expected 'rows columns entries')")
case("size_non_numeric.mtx", BANNER + "% a comment\n\n3 three 1\n1 1 1\n", "matrix", 4,
     "expected an integer column count, got 'three'")
case("size_negative.mtx", BANNER + "-3 3 1\n1 1 1\n", "matrix", 2, "negative row count -3")
case("size_exceeds_index_limit.mtx", BANNER + "3000000000 3000000000 1\n1 1 1.0\n", "matrix", 2,
     "declared size 3000000000 x 3000000000 exceeds the 32-bit index limit")
case("size_absurd_entry_count.mtx", BANNER + "2000000000 2000000000 1000000000000000000\n1 1 1.0\n",
     "matrix", 3, "expected 1000000000000000000 entries, file ends after 1 (truncated)")
case("size_more_entries_than_positions.mtx", BANNER + "2 2 5\n1 1 1\n", "matrix", 2,
     "declared 5 entries, more than the 4 positions of a 2 x 2 matrix")
case("size_entry_count_overflow.mtx", SYM + "3 3 99999999999999999999\n1 1 1\n", "matrix", 2,
     "declared 99999999999999999999 entries, more than the 6 positions of a 3 x 3 symmetric matrix")
case("size_rows_without_entries.mtx", BANNER + "2000000000 2000000000 1\n1 1 1.0\n", "matrix", 2,
     "declared 2000000000 rows but only 1 entries (at most 1048576 empty rows are accepted)")
case("symmetric_not_square.mtx", SYM + "3 4 1\n1 1 1\n", "matrix", 2,
     "a symmetric matrix must be square, got 3 x 4")

# --- Matrix Market matrix: entries ---------------------------------------------------------
case("entries_truncated.mtx", BANNER + "3 3 5\n1 1 1\n2 2 1\n3 3 1\n", "matrix", 5,
     "expected 5 entries, file ends after 3 (truncated)")
case("entries_truncated_crlf.mtx", (BANNER + "3 3 3\n1 1 1\n2 2 1\n").replace("\n", "\r\n"),
     "matrix", 4, "expected 3 entries, file ends after 2 (truncated)")
case("entries_too_many.mtx", BANNER + "3 3 2\n1 1 1\n2 2 1\n3 3 1\n", "matrix", 5,
     "more entries than the declared 2")
case("index_row_zero.mtx", BANNER + "3 3 2\n1 1 1\n0 1 1.0\n", "matrix", 4,
     "row index 0 out of range [1, 3]")
case("index_column_negative.mtx", BANNER + "3 3 1\n1 -2 1.0\n", "matrix", 3,
     "column index -2 out of range [1, 3]")
case("index_row_too_large.mtx", BANNER + "3 3 1\n4 1 1.0\n", "matrix", 3,
     "row index 4 out of range [1, 3]")
case("index_overflow.mtx", BANNER + "3 3 1\n99999999999999999999 1 1.0\n", "matrix", 3,
     "row index 99999999999999999999 out of range [1, 3]")
case("index_non_integer.mtx", BANNER + "3 3 1\n1.5 1 1.0\n", "matrix", 3,
     "expected an integer row index, got '1.5'")
case("index_nul_byte.mtx", BANNER.encode() + b"3 3 1\n1\x001 1.0\n", "matrix", 3,
     "expected an integer row index, got '1\\x001'")
case("value_nan.mtx", BANNER + "3 3 2\n1 1 1.0\n2 2 nan\n", "matrix", 4, "value is NaN")
case("value_infinite.mtx", SYM + "3 3 2\n1 1 1.0\n2 1 -Infinity\n", "matrix", 4, "value is infinite")
case("value_overflow.mtx", BANNER + "3 3 1\n1 1 1e999\n", "matrix", 3,
     "value '1e999' is too large for a double")
case("value_non_numeric.mtx", BANNER + "3 3 1\n1 1 abc\n", "matrix", 3, "non-numeric value 'abc'")
case("value_fortran_exponent.mtx", BANNER + "3 3 1\n1 1 1.0D+00\n", "matrix", 3,
     "non-numeric value '1.0D+00'")
case("value_missing.mtx", BANNER + "3 3 1\n1 1\n", "matrix", 3,
     "missing value (expected 'row column value')")
case("column_missing.mtx", BANNER + "3 3 1\n1\n", "matrix", 3,
     "missing column index (expected 'row column value')")
case("entry_extra_field.mtx", BANNER + "3 3 1\n1 1 1.0 2.0\n", "matrix", 3,
     "unexpected extra field '2.0' (expected 'row column value')")
case("pattern_extra_field.mtx", "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 1\n1 1 1.0\n",
     "matrix", 3, "unexpected extra field '1.0' (expected 'row column')")
case("integer_field_fraction.mtx", "%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 1.5\n",
     "matrix", 3, "non-integer value '1.5' in an integer file")
case("duplicate_general.mtx", BANNER + "3 3 3\n1 1 1\n2 2 1\n1 1 2\n", "matrix", 5,
     "duplicate entry (1, 1), first at line 3")
case("duplicate_symmetric_mirror.mtx", SYM + "2 2 3\n2 1 -1\n1 1 4\n1 2 -1\n", "matrix", 5,
     "duplicate entry (1, 2): a symmetric file already has its mirror (2, 1) at line 3")
case("long_line.mtx", BANNER + "3 3 1\n1 1 " + "7" * 16384 + "x\n", "matrix", 3,
     "non-numeric value '" + "7" * 40 + "...'")

# --- Matrix Market vector ------------------------------------------------------------------
case("vector_truncated.mtx", ARRAY + "4 1\n1.0\n2.0\n", "vector", 4,
     "expected 4 values, file ends after 2 (truncated)")
case("vector_too_many.mtx", ARRAY + "2 1\n1.0\n2.0\n3.0\n", "vector", 5,
     "more values than the declared 2")
case("vector_two_columns.mtx", ARRAY + "3 2\n1\n2\n3\n4\n5\n6\n", "vector", 2,
     "a vector must have one column, got 3 x 2")
case("vector_symmetric.mtx", "%%MatrixMarket matrix array real symmetric\n1 1\n1.0\n", "vector", 1,
     "a vector file must be general, not 'symmetric'")
case("vector_pattern.mtx", "%%MatrixMarket matrix coordinate pattern general\n3 1 1\n1 1\n",
     "vector", 1, "a vector file needs values: the pattern field is not accepted")
case("vector_array_pattern.mtx", "%%MatrixMarket matrix array pattern general\n3 1\n", "vector", 1,
     "an array file cannot have the pattern field")
case("vector_non_numeric.mtx", ARRAY + "2 1\n1.0\nx1\n", "vector", 4, "non-numeric value 'x1'")
case("vector_extra_field.mtx", ARRAY + "2 1\n1.0 2.0\n", "vector", 3,
     "unexpected extra field '2.0' (expected one value per line)")
case("vector_coordinate_column.mtx", BANNER + "3 1 2\n1 1 1.0\n2 2 1.0\n", "vector", 4,
     "column index 2 out of range [1, 1]")
case("vector_coordinate_duplicate.mtx", BANNER + "3 1 2\n2 1 1.0\n2 1 3.0\n", "vector", 4,
     "duplicate entry (2, 1), first at line 3")

# --- Triplet matrix ------------------------------------------------------------------------
case("triplet_empty.txt", b"", "triplet-matrix", 0, "file is empty")
case("triplet_only_comments.txt", "# nothing here\n\n   # still nothing\n", "triplet-matrix", 0,
     "no entries")
case("triplet_negative_index.txt", "0 0 1\n-1 0 2\n", "triplet-matrix", 2,
     "negative row index -1 (triplet indices are 0-based)")
case("triplet_two_fields.txt", "0 0 1\n1 1\n", "triplet-matrix", 2,
     "expected 3 fields (row col value), got 2")
case("triplet_four_fields.txt", "0,0,1,5\n", "triplet-matrix", 1,
     "expected 3 fields (row col value), got 4")
case("triplet_non_numeric_value.txt", "0 0 one\n", "triplet-matrix", 1, "non-numeric value 'one'")
case("triplet_non_integer_index.txt", "0, a, 1\n", "triplet-matrix", 1,
     "expected an integer column index, got 'a'")
case("triplet_index_limit.txt", "0 3000000000 1\n", "triplet-matrix", 1,
     "column index 3000000000 exceeds the 32-bit index limit")
case("triplet_duplicate.txt", "# row col value\n0 0 1\n1 1 2\n0 0 3 # again\n", "triplet-matrix", 4,
     "duplicate entry (0, 0), first at line 2")
case("triplet_nan.txt", "0 0 NaN\n", "triplet-matrix", 1, "value is NaN")
case("triplet_huge_index.txt", "0 0 1\n1999999999 1999999999 1\n", "triplet-matrix", 2,
     "index 1999999999 makes 2000000000 rows but there are only 2 entries "
     "(at most 1048576 empty rows are accepted)")
case("triplet_binary.txt", bytes([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE]),
     "triplet-matrix", 1, "expected 3 fields (row col value), got 1")

# --- Plain vector --------------------------------------------------------------------------
case("plain_empty.txt", b"", "plain-vector", 0, "file is empty")
case("plain_no_values.txt", "# only a comment\n\n", "plain-vector", 0, "no values")
case("plain_non_numeric.txt", "1.0\n2.0\nabc\n", "plain-vector", 3, "non-numeric value 'abc'")
case("plain_two_fields.txt", "1.0\n1.0 2.0\n", "plain-vector", 2,
     "expected one value per line, got 2 fields")
case("plain_infinite.txt", "1\ninf\n", "plain-vector", 2, "value is infinite")

# --- Systems the readers accept and the validator rejects (line 0: no file line applies) ---
case("system_not_square.mtx", BANNER + "2 3 2\n1 1 1\n2 2 1\n", "system", 0,
     "matrix is not square (2 x 3)")
case("system_asymmetric.mtx", BANNER + "2 2 4\n1 1 4\n2 1 -1\n1 2 -2\n2 2 4\n", "system", 0,
     "matrix is not symmetric")
case("system_zero_diagonal.mtx", SYM + "2 2 3\n1 1 4\n2 1 -1\n2 2 0\n", "system", 0,
     "diagonal entry (1, 1) is 0 (must be positive)")
case("system_negative_diagonal.mtx", SYM + "2 2 3\n1 1 -4\n2 1 -1\n2 2 4\n", "system", 0,
     "diagonal entry (0, 0) is -4 (must be positive)")
case("system_missing_diagonal.mtx", SYM + "3 3 3\n1 1 4\n2 1 -1\n3 3 4\n", "system", 0,
     "diagonal entry (1, 1) is missing")
case("system_dim_mismatch.mtx", SYM + "3 3 3\n1 1 4\n2 2 4\n3 3 4\n", "system", 0,
     "right-hand side has 4 entries, matrix has 3 rows")
RHS = {"system_dim_mismatch.rhs.mtx": ARRAY + "4 1\n1\n1\n1\n1\n"}

for name, data, kind, line, message in cases:
    assert "\t" not in message and "\n" not in message
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
for name, text in RHS.items():
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)

with open(os.path.join(HERE, "EXPECTED.tsv"), "w") as f:
    f.write("# Malformed-input corpus: one file per failure class. Generated by make_corpus.py.\n")
    f.write("# kind: matrix = read_matrix_market, vector = read_matrix_market_vector,\n")
    f.write("#   triplet-matrix = read_triplet, plain-vector = read_plain_vector,\n")
    f.write("#   system = parses, then validate_matrix / validate_rhs reject it (right-hand side:\n")
    f.write("#   FILE with .mtx replaced by .rhs.mtx when present).\n")
    f.write("# line: the line input_error names (0: none). message: input_error::problem(),\n")
    f.write("#   exactly for the readers, a substring for kind=system.\n")
    f.write("file\tkind\tline\tmessage\n")
    for name, data, kind, line, message in cases:
        f.write(f"{name}\t{kind}\t{line}\t{message}\n")
print(f"{len(cases)} cases")
