// String interning: repeated strings (categories, agency types, flags) become small integers so
// records stay compact and comparisons are integer compares.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace safeguard::detail {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

class Interner {
 public:
  Interner() { intern({}); }

  std::uint32_t intern(std::string_view text) {
    if (auto found = index_.find(std::string(text)); found != index_.end()) return found->second;
    auto symbol = static_cast<std::uint32_t>(strings_.size());
    strings_.emplace_back(text);
    try {
      index_.emplace(strings_.back(), symbol);
    } catch (...) {
      strings_.pop_back();  // all or nothing: a graph rolling back a batch relies on it
      throw;
    }
    return symbol;
  }

  // Forgets the most recently interned string: how a graph undoes intern() when a batch
  // fails part way. Frees memory, never allocates.
  void forget_last() noexcept {
    index_.erase(strings_.back());
    strings_.pop_back();
  }

  // The symbol for `text` if it was interned, otherwise nullptr-like `kMissing`.
  static constexpr std::uint32_t kMissing = UINT32_MAX;
  std::uint32_t find(std::string_view text) const {
    auto found = index_.find(std::string(text));
    return found == index_.end() ? kMissing : found->second;
  }

  std::string_view str(std::uint32_t symbol) const { return strings_[symbol]; }
  std::size_t size() const noexcept { return strings_.size(); }
  const std::vector<std::string>& strings() const noexcept { return strings_; }

 private:
  std::vector<std::string> strings_;
  std::unordered_map<std::string, std::uint32_t> index_;
};

}  // namespace safeguard::detail
