/// \file suggest.cpp
/// \brief The nearest known name for a mistyped one (see suggest.hpp).

#include "cli/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace asor::cli {

namespace {

/// Optimal string alignment distance (Levenshtein with adjacent transpositions).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::string without_dashes(const std::string& s) {
  const std::size_t k = s.find_first_not_of('-');
  return k == std::string::npos ? std::string() : s.substr(k);
}

/// A token that is an option, not a (negative) number.
bool looks_like_option(const std::string& token) {
  if (token.size() < 2 || token[0] != '-') return false;
  const char c = token[token[1] == '-' ? 2 : 1];
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
    for (const auto& s : o->get_snames()) names.push_back("-" + s);
  }
  return names;
}

}  // namespace

std::string nearest_name(const std::string& typed, const std::vector<std::string>& candidates) {
  const std::string t = without_dashes(typed);
  if (t.empty()) return {};
  std::string best;
  std::size_t best_distance = 0;
  bool best_prefix = false;
  for (const auto& c : candidates) {
    const std::string name = without_dashes(c);
    if (name.empty()) continue;
    const bool prefix =
        std::min(t.size(), name.size()) >= 3 && (name.rfind(t, 0) == 0 || t.rfind(name, 0) == 0);
    const std::size_t distance = edit_distance(t, name);
    const std::size_t allowed = std::max<std::size_t>(2, name.size() / 3);
    if (!prefix && distance > allowed) continue;
    const bool better = best.empty() || (prefix && !best_prefix) ||
                        (prefix == best_prefix && distance < best_distance);
    if (better) {
      best = c;
      best_distance = distance;
      best_prefix = prefix;
    }
  }
  return best;
}

std::string explain_unexpected(const CLI::App& app, const CLI::App* sub) {
  const std::vector<std::string> rest = app.remaining(true);
  std::vector<std::string> names = option_names(app);
  if (sub != nullptr) {
    const auto more = option_names(*sub);
    names.insert(names.end(), more.begin(), more.end());
  }
  for (const auto& token : rest) {
    if (!looks_like_option(token)) continue;
    const std::string option = token.substr(0, token.find('='));
    const std::string near = nearest_name(option, names);
    return "unknown option " + option + (near.empty() ? "" : "; did you mean " + near + "?");
  }
  if (sub == nullptr && !rest.empty()) {
    std::vector<std::string> commands;
    for (const CLI::App* c : app.get_subcommands([](const CLI::App*) { return true; })) {
      commands.push_back(c->get_name());
    }
    const std::string near = nearest_name(rest.front(), commands);
    return "unknown command '" + rest.front() + "'" +
           (near.empty() ? "" : "; did you mean '" + near + "'?");
  }
  return {};
}

}  // namespace asor::cli
