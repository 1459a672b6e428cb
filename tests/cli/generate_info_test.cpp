/// \file generate_info_test.cpp
/// \brief `asor generate` and `asor info`.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli_helpers.hpp"

namespace asor::cli_test {
namespace {

using json = nlohmann::ordered_json;

json info_json(const std::string& path, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"info", path, "--json", "-"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

TEST(CliGenerate, EveryKindHasTheDocumentedSize) {
  temp_dir dir;
  struct kind {
    const char* name;
    const char* n;
    std::int64_t rows;
    std::int64_t nnz;
  };
  // poisson2d m=5: 25 rows, 5*25 - 4*5 = 105 entries; poisson3d m=4: 64 rows, 7*64 - 6*16 = 352.
  for (const kind& k : {kind{"poisson2d", "5", 25, 105}, kind{"poisson3d", "4", 64, 352},
                        kind{"anisotropic", "5", 25, 105}, kind{"random-spd", "50", 50, -1}}) {
    const std::string out = dir.file(std::string(k.name) + ".mtx");
    const auto r = run_cli({"generate", k.name, "--n", k.n, "--eps", "0.1", "--seed", "7", "-o",
                            out, "--rhs", dir.file(std::string(k.name) + ".b.mtx")});
    ASSERT_EQ(r.exit_code, 0) << k.name << ": " << r.err;
    EXPECT_NE(r.out.find("asor generate: " + out), std::string::npos) << r.out;
    const json j = info_json(out);
    EXPECT_EQ(j.at("rows").get<std::int64_t>(), k.rows) << k.name;
    if (k.nnz > 0) {
      EXPECT_EQ(j.at("nnz").get<std::int64_t>(), k.nnz) << k.name;
    }
    EXPECT_TRUE(j.at("symmetric").get<bool>()) << k.name;
    EXPECT_EQ(j.at("spd").at("verdict").get<std::string>(), "yes") << k.name;
    EXPECT_EQ(j.at("validation").get<std::string>(), "ok");
    // b = A * ones: solving it gives ones.
    const auto s = run_cli({"solve", out, "--rhs", dir.file(std::string(k.name) + ".b.mtx"),
                            "--method", "sor", "--x-out", dir.file("x.mtx")});
    ASSERT_EQ(s.exit_code, 0) << k.name << ": " << s.err;
    const Eigen::VectorXd x = read_mm_array(dir.file("x.mtx"));
    EXPECT_LT((x - Eigen::VectorXd::Ones(x.size())).norm() / std::sqrt(double(x.size())), 1e-5)
        << k.name;
  }
}

TEST(CliGenerate, RandomSpdIsReproducibleFromItsSeed) {
  temp_dir dir;
  for (const char* name : {"a.mtx", "b.mtx"}) {
    ASSERT_EQ(run_cli({"generate", "random-spd", "--n", "40", "--seed", "11", "-o", dir.file(name)})
                  .exit_code,
              0);
  }
  EXPECT_EQ(slurp(dir.file("a.mtx")), slurp(dir.file("b.mtx")));
}

TEST(CliGenerate, UsageErrors) {
  temp_dir dir;
  auto r = run_cli({"generate", "poisson2d", "--n", "0", "-o", dir.file("A.mtx")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--n"), std::string::npos) << r.err;
  r = run_cli({"generate", "poisson3d", "--n", "100000", "-o", dir.file("A.mtx")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("32-bit"), std::string::npos) << r.err;
  r = run_cli({"generate", "laplace", "--n", "4", "-o", dir.file("A.mtx")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1);
}

TEST(CliInfo, RealMatrix) {
  const auto r = run_cli({"info", data_file("gr_30_30.mtx")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line :
       {"size          900 x 900, nnz 7744", "symmetry      symmetric", "SPD           yes",
        "lambda_min    7.7", "lambda_max    1.49", "Jacobi rho", "converged", "omega",
        "  sor          1.77", "  async        ", "why: ", "sweep bytes",
        "dominance     100.0% of rows weakly"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  const json j = info_json(data_file("gr_30_30.mtx"));
  EXPECT_EQ(j.at("schema").get<std::string>(), "asor.info/1");
  const auto& est = j.at("omega_estimate");
  EXPECT_GT(est.at("jacobi_rho").get<double>(), 0.5);
  EXPECT_LT(est.at("jacobi_rho").get<double>(), 1.0);
  // lambda_min of gr_30_30 is 7.6829e-03 (dense eigensolver): inside the stated interval.
  const double lmin = est.at("lambda_min").get<double>();
  EXPECT_GE(lmin, 7.6829e-03);
  EXPECT_LE(lmin - est.at("lambda_min_error").get<double>(), 7.6829e-03);
  EXPECT_TRUE(est.at("converged").get<bool>());
  EXPECT_GT(est.at("cost_sweeps").get<double>(), 0.0);
  for (const char* m : {"sor", "ssor", "jacobi", "multicolor", "block-jacobi", "async"}) {
    const auto& c = est.at("methods").at(m);
    EXPECT_GT(c.at("omega").get<double>(), 0.0) << m;
    EXPECT_LT(c.at("omega").get<double>(), 2.0) << m;
    EXPECT_FALSE(c.at("reason").get<std::string>().empty()) << m;
  }
  EXPECT_NEAR(est.at("methods").at("sor").at("omega").get<double>(), 1.78, 0.01);
  // 12 B per entry + 36 B per row (csr_view::sweep_bytes).
  EXPECT_DOUBLE_EQ(j.at("bytes_per_sweep").get<double>(), 7744.0 * 12 + 900.0 * 36);
}

TEST(CliInfo, SpdCheckLimitAndProblems) {
  auto j = info_json(data_file("gr_30_30.mtx"), {"--spd-check-limit", "100"});
  EXPECT_EQ(j.at("spd").at("verdict").get<std::string>(), "skipped");
  const auto r = run_cli({"info", data_file("gr_30_30.mtx"), "--spd-check-limit", "100"});
  EXPECT_NE(r.out.find("skipped (n > limit 100"), std::string::npos) << r.out;

  // info describes an invalid system instead of refusing it.
  j = info_json(data_file("bad/system_asymmetric.mtx"));
  EXPECT_FALSE(j.at("symmetric").get<bool>());
  EXPECT_EQ(j.at("spd").at("verdict").get<std::string>(), "no");
  EXPECT_NE(j.at("validation").get<std::string>().find("not symmetric"), std::string::npos);

  j = info_json(data_file("bad/system_negative_diagonal.mtx"));
  EXPECT_EQ(j.at("diagonal").at("non_positive").get<std::int64_t>(), 1);
}

TEST(CliInfo, MalformedFileExitsTwo) {
  const auto r = run_cli({"info", data_file("bad/index_row_zero.mtx")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("index_row_zero.mtx:4: row index 0 out of range [1, 3]"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace asor::cli_test
