// Loading the rule packs bundled in the library by name; see rules.hpp.
#include "bundled_packs.hpp"

#include "safeguard/rules.hpp"

namespace safeguard {

std::vector<std::string> bundled_pack_names() {
  std::vector<std::string> names;
  names.reserve(detail::kEmbeddedPackCount);
  for (std::size_t i = 0; i < detail::kEmbeddedPackCount; ++i)
    names.emplace_back(detail::kEmbeddedPacks[i].name);
  return names;
}

std::shared_ptr<const RuleSet> load_bundled_pack(std::string_view name, const PackLimits& limits) {
  for (std::size_t i = 0; i < detail::kEmbeddedPackCount; ++i) {
    const detail::EmbeddedPack& pack = detail::kEmbeddedPacks[i];
    if (name == pack.name) return RuleSet::load_string(pack.text(), pack.origin, limits);
  }
  std::string known;
  for (std::size_t i = 0; i < detail::kEmbeddedPackCount; ++i) {
    if (i != 0) known += ", ";
    known += detail::kEmbeddedPacks[i].name;
  }
  // The name is the caller's text: bounded, so a hostile argument cannot make the message huge.
  constexpr std::size_t kShown = 64;
  const std::string shown(name.substr(0, kShown));
  throw Error(Status::not_found, "no bundled rule pack named '" + shown +
                                     (name.size() > kShown ? "...'" : "'") + " (bundled: " + known +
                                     ")");
}

}  // namespace safeguard
