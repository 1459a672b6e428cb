#pragma once
/// \file json.hpp
/// \brief The JSON of asor's documents (nlohmann::ordered_json, keys in the documented order) and
/// its text form: shared by the tool (src/cli) and the Python module (python/), which turns the
/// same documents into dicts.

#include <nlohmann/json.hpp>
#include <string>

namespace asor::reporting {

/// \brief A JSON value whose objects keep their keys in insertion order (the documented order).
using json = nlohmann::ordered_json;

/// \returns \p v as a JSON number, or null when it is NaN or infinite (JSON has neither).
json number_or_null(double v);

/// \returns the JSON text of \p v, indented by two spaces per level, ending with a newline.
std::string pretty_json(const json& v);

}  // namespace asor::reporting
