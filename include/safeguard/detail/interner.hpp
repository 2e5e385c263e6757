// String interning: repeated strings (categories, agency types, flags) become small integers so
// records stay compact and comparisons are integer compares.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace safeguard::detail {

// The library's one interner: the graph's symbols (categories, agency types, flags) and a rule
// pack's literals (expr::SymbolTable) both use it. Symbols are found by the hash of their text,
// so a lookup compares bytes and never allocates, and each string is stored once.
class Interner {
 public:
  Interner() { intern({}); }

  std::uint32_t intern(std::string_view text) {
    const std::size_t hash = std::hash<std::string_view>{}(text);
    if (const std::uint32_t found = find(text, hash); found != kMissing) return found;
    const auto symbol = static_cast<std::uint32_t>(strings_.size());
    strings_.emplace_back(text);
    try {
      by_hash_.emplace(hash, symbol);
    } catch (...) {
      strings_.pop_back();  // all or nothing: a graph rolling back a batch relies on it
      throw;
    }
    return symbol;
  }

  // Forgets the most recently interned string: how a graph undoes intern() when a batch
  // fails part way. Frees memory, never allocates.
  void forget_last() noexcept {
    const auto symbol = static_cast<std::uint32_t>(strings_.size() - 1);
    const auto [first, last] = by_hash_.equal_range(std::hash<std::string_view>{}(strings_.back()));
    for (auto it = first; it != last; ++it) {
      if (it->second == symbol) {
        by_hash_.erase(it);
        break;
      }
    }
    strings_.pop_back();
  }

  // The symbol for `text` if it was interned, otherwise `kMissing`.
  static constexpr std::uint32_t kMissing = UINT32_MAX;
  std::uint32_t find(std::string_view text) const {
    return find(text, std::hash<std::string_view>{}(text));
  }

  std::string_view str(std::uint32_t symbol) const { return strings_[symbol]; }
  std::size_t size() const noexcept { return strings_.size(); }
  const std::vector<std::string>& strings() const noexcept { return strings_; }

 private:
  std::uint32_t find(std::string_view text, std::size_t hash) const {
    const auto [first, last] = by_hash_.equal_range(hash);
    for (auto it = first; it != last; ++it) {
      if (strings_[it->second] == text) return it->second;
    }
    return kMissing;
  }

  std::vector<std::string> strings_;
  // Symbols by the hash of their text (a multimap: texts may share a hash). A pack can hold
  // hundreds of thousands of distinct literals; a linear search per literal made loading one
  // quadratic in its size.
  std::unordered_multimap<std::size_t, std::uint32_t> by_hash_;
};

}  // namespace safeguard::detail
