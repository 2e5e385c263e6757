// A pack's vocabulary: the concern categories, factor kinds, child flags and agency types it
// declares ([vocabulary]) or, without one, compares against; and the names a case uses that no
// loaded pack knows (docs/rules.md, "Vocabulary").
#include <algorithm>
#include <map>

#include "interpreter.hpp"
#include "safeguard/assess.hpp"
#include "safeguard/rules.hpp"
#include "snapshot_columns.hpp"

namespace safeguard {
namespace {

// Which list of ReferencedNames an attribute's literals belong to, or -1.
int list_of(expr::Attr attr) {
  switch (attr) {
    case expr::Attr::concern_category:
      return 0;
    case expr::Attr::factor_kind:
      return 1;
    case expr::Attr::child_flags:
      return 2;
    case expr::Attr::concern_source_type:
      return 3;
    default:
      return -1;
  }
}

std::vector<VocabularyEntry>& list(ReferencedNames& names, int which) {
  switch (which) {
    case 0:
      return names.categories;
    case 1:
      return names.factor_kinds;
    case 2:
      return names.flags;
    default:
      return names.agency_types;
  }
}

// Literals compared with a vocabulary attribute in one program: `attr == "x"`, `"x" != attr`,
// `attr in ["x", "y"]`, `"x" in child.flags`. Operands are leaves, emitted just before the op.
void scan(const expr::Program& program, const expr::Compiled& compiled,
          const expr::SymbolTable& symbols, const Location& where, ReferencedNames& out) {
  const auto& code = program.code;
  auto add = [&](int which, std::uint32_t symbol) {
    if (which < 0) return;
    list(out, which).push_back({std::string(symbols.str(symbol)), {}, where});
  };
  for (std::size_t i = 0; i < code.size(); ++i) {
    const expr::Instr& in = code[i];
    if ((in.op == expr::Op::equal || in.op == expr::Op::not_equal) && i >= 2 &&
        static_cast<expr::Type>(in.flag) == expr::Type::string) {
      const expr::Instr& a = code[i - 2];
      const expr::Instr& b = code[i - 1];
      if (a.op == expr::Op::load && b.op == expr::Op::push_string)
        add(list_of(static_cast<expr::Attr>(a.a)), b.a);
      if (b.op == expr::Op::load && a.op == expr::Op::push_string)
        add(list_of(static_cast<expr::Attr>(b.a)), a.a);
    } else if (in.op == expr::Op::in_list && i >= 1 &&
               static_cast<expr::Type>(in.flag) == expr::Type::string &&
               code[i - 1].op == expr::Op::load) {
      const int which = list_of(static_cast<expr::Attr>(code[i - 1].a));
      for (std::uint32_t k = 0; k < in.b; ++k) add(which, compiled.string_pool[in.a + k]);
    } else if (in.op == expr::Op::in_set && i >= 2 && code[i - 2].op == expr::Op::push_string &&
               code[i - 1].op == expr::Op::load) {
      add(list_of(static_cast<expr::Attr>(code[i - 1].a)), code[i - 2].a);
    }
  }
}

void scan(const expr::Compiled& compiled, const expr::SymbolTable& symbols, const Location& where,
          ReferencedNames& out) {
  scan(compiled.main, compiled, symbols, where, out);
  for (const expr::Program& sub : compiled.subprograms) scan(sub, compiled, symbols, where, out);
}

void tidy(std::vector<VocabularyEntry>& names) {
  std::stable_sort(
      names.begin(), names.end(),
      [](const VocabularyEntry& a, const VocabularyEntry& b) { return a.name < b.name; });
  names.erase(std::unique(names.begin(), names.end(),
                          [](const VocabularyEntry& a, const VocabularyEntry& b) {
                            return a.name == b.name;
                          }),
              names.end());
}

bool contains(const std::vector<std::string>& sorted, std::string_view name) {
  return std::binary_search(sorted.begin(), sorted.end(), name, [](auto&& a, auto&& b) {
    return std::string_view(a) < std::string_view(b);
  });
}

}  // namespace

ReferencedNames referenced_names(const RuleSet& rules) {
  ReferencedNames out;
  for (const Rule& rule : rules.rules()) {
    Location where = rule.where;
    where.entity = rule.id;
    scan(rule.when.compiled(), rules.symbols(), where, out);
    scan(rule.points.compiled(), rules.symbols(), where, out);
  }
  for (const PolicyOverride& o : rules.overrides()) {
    Location where = o.where;
    where.entity = o.id;
    scan(o.when.compiled(), rules.symbols(), where, out);
  }
  for (const auto* list : {&rules.safety().dangers, &rules.safety().plans}) {
    for (const SafetyCondition& c : *list) {
      Location where = c.where;
      where.entity = c.id;
      scan(c.when.compiled(), rules.symbols(), where, out);
    }
  }
  for (int which = 0; which < 4; ++which) tidy(list(out, which));
  return out;
}

bool RuleSet::knows_category(std::string_view name) const {
  return !checks_[0] || contains(known_[0], name);
}
bool RuleSet::knows_factor_kind(std::string_view name) const {
  return !checks_[1] || contains(known_[1], name);
}
bool RuleSet::knows_flag(std::string_view name) const {
  return !checks_[2] || contains(known_[2], name);
}
bool RuleSet::knows_agency_type(std::string_view name) const {
  return !checks_[3] || contains(known_[3], name);
}

std::vector<VocabularyFinding> check_vocabulary(const Snapshot& snap,
                                                const std::vector<const RuleSet*>& packs) {
  using Knows = bool (RuleSet::*)(std::string_view) const;
  auto known = [&](Knows knows, std::string_view name) {
    for (const RuleSet* pack : packs) {
      if (pack && (pack->*knows)(name)) return true;
    }
    return false;
  };
  // Per code, unknown name -> ids; restricted concerns pooled under the empty name.
  std::map<std::string, std::map<std::string, std::vector<std::string>>> found;
  auto note = [&](const char* code, std::string_view name, VertexIndex vertex, bool withheld) {
    found[code][withheld ? std::string() : std::string(name)].emplace_back(snap.id(vertex));
  };
  for (std::size_t c = 0; c < snap.concern_vertex.size(); ++c) {
    // Erased slots have no vertex; a retracted concern does not exist for the assessment.
    if (!snap.concern_live[c] || snap.concern_vertex[c] == kNoVertex ||
        snap.concern_status[c] == ConcernStatus::retracted)
      continue;
    const std::string_view name = snap.symbol(snap.concern_category[c]);
    if (!known(&RuleSet::knows_category, name))
      note("unknown-category", name, snap.concern_vertex[c], snap.concern_restricted[c] != 0);
  }
  for (std::size_t f = 0; f < snap.factor_vertex.size(); ++f) {
    if (!snap.factor_live[f] || snap.factor_vertex[f] == kNoVertex) continue;
    const std::string_view name = snap.symbol(snap.factor_kind[f]);
    if (!known(&RuleSet::knows_factor_kind, name))
      note("unknown-factor-kind", name, snap.factor_vertex[f], false);
  }
  for (std::size_t p = 0; p < snap.person_vertex.size(); ++p) {
    const VertexIndex v = snap.person_vertex[p];
    if (v == kNoVertex || snap.vertex_kind[v] == VertexKind::erased) continue;
    for (const Symbol* s = snap.person_flags.begin(p); s != snap.person_flags.end(p); ++s) {
      if (!known(&RuleSet::knows_flag, snap.symbol(*s)))
        note("unknown-flag", snap.symbol(*s), snap.person_vertex[p], false);
    }
  }
  for (std::size_t a = 0; a < snap.agency_vertex.size(); ++a) {
    if (snap.agency_vertex[a] == kNoVertex) continue;
    const std::string_view name = snap.symbol(snap.agency_type[a]);
    if (!known(&RuleSet::knows_agency_type, name))
      note("unknown-agency-type", name, snap.agency_vertex[a], false);
  }
  static const std::map<std::string, const char*> kWhat = {{"unknown-category", "concern category"},
                                                           {"unknown-factor-kind", "factor kind"},
                                                           {"unknown-flag", "flag"},
                                                           {"unknown-agency-type", "agency type"}};
  // Each entity's name, one and many.
  static const std::map<std::string, std::pair<const char*, const char*>> kEntities = {
      {"unknown-category", {"concern", "concerns"}},
      {"unknown-factor-kind", {"factor", "factors"}},
      {"unknown-flag", {"person", "persons"}},
      {"unknown-agency-type", {"agency", "agencies"}}};
  std::vector<VocabularyFinding> out;
  for (auto& [code, names] : found) {
    for (auto& [name, ids] : names) {
      VocabularyFinding finding;
      finding.code = code;
      finding.name = name;
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      finding.count = ids.size();
      finding.ids = ids;
      const auto& names_of = kEntities.at(code);
      const std::string entities = ids.size() == 1 ? names_of.first : names_of.second;
      std::string listed;
      for (std::size_t i = 0; i < ids.size() && i < 10; ++i) listed += (i ? ", " : "") + ids[i];
      if (ids.size() > 10) listed += ", ...";
      if (name.empty()) {
        finding.message = std::to_string(ids.size()) + " restricted " + entities + " (" + listed +
                          (ids.size() == 1 ? ") uses a " : ") use a ") + kWhat.at(code) +
                          " the rule pack does not know; it is not named here because the "
                          "evidence is restricted, and no rule scores " +
                          (ids.size() == 1 ? "it" : "them");
      } else {
        finding.message =
            std::string(kWhat.at(code)) + " '" + name +
            "' is not known to the rule pack: " + std::to_string(ids.size()) + " " + entities +
            " (" + listed + ")" +
            (code == "unknown-agency-type"
                 ? ""
                 : (ids.size() == 1 ? " scores nothing through it" : " score nothing through it"));
      }
      out.push_back(std::move(finding));
    }
  }
  return out;
}

}  // namespace safeguard
