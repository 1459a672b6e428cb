/// \file json.cpp
/// \brief JSON values and their text (see json.hpp).

#include "report/json.hpp"

#include <charconv>
#include <cmath>

namespace asor::reporting {

namespace {

/// \returns the shortest text that reads back as \p v ("1", "0.5", "4.97e-09"); null when
/// \p v is not finite (JSON has no NaN or Inf).
std::string number_text(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string text(buf, res.ptr);
  // Keep the type visible: a double always reads back as a double ("1.0", not "1").
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

/// \returns the JSON text of a scalar (string, integer, boolean, null) as nlohmann writes it;
/// bytes that are not valid UTF-8 (a file name in another encoding) become U+FFFD, not an error.
std::string scalar_text(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void pretty(std::string& out, const json& v, int indent) {
  const auto pad = [&](int level) { out.append(static_cast<std::size_t>(level) * 2, ' '); };
  if (v.is_object()) {
    if (v.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : v.items()) {
      if (!first) out += ",\n";
      first = false;
      pad(indent + 1);
      out += scalar_text(json(key));
      out += ": ";
      pretty(out, value, indent + 1);
    }
    out += "\n";
    pad(indent);
    out += "}";
    return;
  }
  if (v.is_array()) {
    if (v.empty()) {
      out += "[]";
      return;
    }
    // Arrays of scalars (curves) stay on one line.
    bool scalars = true;
    for (const auto& e : v) scalars = scalars && !e.is_object() && !e.is_array();
    bool first = true;
    if (scalars) {
      out += '[';
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        pretty(out, e, indent + 1);
      }
      out += ']';
      return;
    }
    out += "[\n";
    for (const auto& e : v) {
      if (!first) out += ",\n";
      first = false;
      pad(indent + 1);
      pretty(out, e, indent + 1);
    }
    out += "\n";
    pad(indent);
    out += "]";
    return;
  }
  if (v.is_number_float()) {
    out += number_text(v.get<double>());
    return;
  }
  out += scalar_text(v);
}

}  // namespace

json number_or_null(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

std::string pretty_json(const json& v) {
  std::string out;
  pretty(out, v, 0);
  out += '\n';
  return out;
}

}  // namespace asor::reporting
