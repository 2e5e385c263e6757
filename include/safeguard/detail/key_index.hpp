// An index from string keys to positions in a vector that already holds the keys.
//
// A record keeps one entry per fact ever stored (a million and more for a national caseload),
// and reopening a store rebuilds the index from scratch. std::unordered_map<std::string, size_t>
// spent most of a reopen allocating a node and a second copy of every key and chasing bucket
// chains. This index is one flat array of 8-byte slots (a 32-bit hash and the position), linear
// probing, the key itself read from the caller's vector when the hashes match. Written here
// because the flat hash maps of well-kept libraries are not in Debian 12's packages (Boost 1.74
// predates boost::unordered_flat_map), and none of them can borrow keys stored elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace safeguard::detail {

class KeyIndex {
 public:
  std::size_t size() const noexcept { return size_; }

  // Room for `count` keys without growing.
  void reserve(std::size_t count) {
    std::size_t capacity = 16;
    while (capacity * 3 < count * 4 + 4) capacity *= 2;  // load factor at most 3/4
    if (capacity > slots_.size()) rehash(capacity);
  }

  // The position stored for `key`; key_of(position) gives the key held at a position.
  template <typename KeyOf>
  std::optional<std::size_t> find(std::string_view key, const KeyOf& key_of) const {
    if (slots_.empty()) return std::nullopt;
    const std::uint32_t hash = hash_of(key);
    for (std::size_t at = hash & mask(); slots_[at].position != kEmpty; at = (at + 1) & mask()) {
      if (slots_[at].hash == hash && key_of(slots_[at].position) == key) return slots_[at].position;
    }
    return std::nullopt;
  }

  template <typename KeyOf>
  bool contains(std::string_view key, const KeyOf& key_of) const {
    return find(key, key_of).has_value();
  }

  // Adds `key` at `position`; false (and nothing changes) if the key is already there.
  template <typename KeyOf>
  bool insert(std::string_view key, std::size_t position, const KeyOf& key_of) {
    return insert(key, position, key_of, hash_of(key));
  }

  // `key`'s hash, with the slot where its probe starts fetched into the cache (not waited
  // for): an insert given the hash a few keys later finds the slot there instead of missing
  // the cache once per key, which is most of building an index larger than the cache. Only a
  // hint: an insert that grows the index in between is still right.
  std::uint32_t prefetch(std::string_view key) const noexcept {
    const std::uint32_t hash = hash_of(key);
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask()], 1);
    return hash;
  }

  // insert() with the hash prefetch() gave for `key`.
  template <typename KeyOf>
  bool insert(std::string_view key, std::size_t position, const KeyOf& key_of, std::uint32_t hash) {
    if (position >= kEmpty) throw std::length_error("too many keys for the index");
    if ((size_ + 1) * 4 > slots_.size() * 3) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    std::size_t at = hash & mask();
    for (; slots_[at].position != kEmpty; at = (at + 1) & mask()) {
      if (slots_[at].hash == hash && key_of(slots_[at].position) == key) return false;
    }
    slots_[at] = Slot{hash, static_cast<std::uint32_t>(position)};
    ++size_;
    return true;
  }

  // Removes `key` if present (backward-shift deletion: no tombstones, probes stay short).
  template <typename KeyOf>
  void erase(std::string_view key, const KeyOf& key_of) {
    if (slots_.empty()) return;
    const std::uint32_t hash = hash_of(key);
    std::size_t at = hash & mask();
    for (;; at = (at + 1) & mask()) {
      if (slots_[at].position == kEmpty) return;
      if (slots_[at].hash == hash && key_of(slots_[at].position) == key) break;
    }
    std::size_t hole = at;
    for (std::size_t next = (hole + 1) & mask(); slots_[next].position != kEmpty;
         next = (next + 1) & mask()) {
      // An entry may move back into the hole only if its home slot is not after the hole
      // (cyclically, between the hole and the entry).
      const std::size_t home = slots_[next].hash & mask();
      const bool stays =
          hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
      if (stays) continue;
      slots_[hole] = slots_[next];
      hole = next;
    }
    slots_[hole] = Slot{};
    --size_;
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t position = kEmpty;
  };

  static std::uint32_t hash_of(std::string_view key) noexcept {
    const std::size_t h = std::hash<std::string_view>{}(key);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }
  std::size_t mask() const noexcept { return slots_.size() - 1; }

  void rehash(std::size_t capacity) {
    std::vector<Slot> old(capacity);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.position == kEmpty) continue;
      std::size_t at = s.hash & mask();
      while (slots_[at].position != kEmpty) at = (at + 1) & mask();
      slots_[at] = s;
    }
  }

  std::vector<Slot> slots_;  // a power of two in size, or empty
  std::size_t size_ = 0;
};

// Indexes positions 0 .. count - 1, position i under key_at(i) in *index_for(i) (one index or
// several, such as a record's entities and relations), each key's slot prefetched
// kPrefetchAhead keys before it is inserted; duplicate(i) for a key already there (and then
// the rest are not inserted if it throws). Reserve first: then nothing grows in between.
inline constexpr std::size_t kPrefetchAhead = 8;
template <typename KeyAt, typename IndexFor, typename KeyOf, typename Duplicate>
void insert_prefetched(std::size_t count, const KeyAt& key_at, const IndexFor& index_for,
                       const KeyOf& key_of, const Duplicate& duplicate) {
  std::uint32_t hashes[kPrefetchAhead];
  for (std::size_t i = 0; i < count + kPrefetchAhead; ++i) {
    // The key kPrefetchAhead back is inserted before its ring entry takes the next hash.
    if (i >= kPrefetchAhead) {
      const std::size_t at = i - kPrefetchAhead;
      if (!index_for(at)->insert(key_at(at), at, key_of, hashes[at % kPrefetchAhead]))
        duplicate(at);
    }
    if (i < count) hashes[i % kPrefetchAhead] = index_for(i)->prefetch(key_at(i));
  }
}

}  // namespace safeguard::detail
