// Bytes appended to blocks that never move, addressed by (block, offset, size): how the record
// keeps its versions encoded (record.cpp). A million-child record holds about ten million
// versions; one growing buffer would copy them all at every doubling and briefly hold twice
// their size, and a string per version would cost a heap block each. Blocks are 1 MiB (a
// larger piece gets a block of its own), so at most one partly filled block is wasted.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "safeguard/error.hpp"

namespace safeguard::detail {

class ByteArena {
 public:
  struct Span {
    std::uint32_t block = 0;
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  // Where the arena ends: rollback(mark) drops everything appended after mark() was taken.
  struct Mark {
    std::size_t blocks = 0;
    std::size_t used = 0;  // in the last of those blocks
  };

  Span append(std::string_view piece) {
    if (piece.size() > UINT32_MAX) throw Error(Status::limit, "a version is too large to keep");
    if (blocks_.empty() || blocks_.back().capacity - blocks_.back().used < piece.size()) {
      if (blocks_.size() >= UINT32_MAX) throw Error(Status::limit, "too many versions to keep");
      const std::size_t capacity = std::max(kBlock, piece.size());
      blocks_.push_back(Block{std::unique_ptr<char[]>(new char[capacity]), capacity, 0});
    }
    Block& block = blocks_.back();
    const Span span{static_cast<std::uint32_t>(blocks_.size() - 1),
                    static_cast<std::uint32_t>(block.used),
                    static_cast<std::uint32_t>(piece.size())};
    if (!piece.empty()) std::memcpy(block.data.get() + block.used, piece.data(), piece.size());
    block.used += piece.size();
    return span;
  }

  std::string_view view(Span span) const {
    return std::string_view(blocks_[span.block].data.get() + span.offset, span.size);
  }

  // Puts `piece` where `span` is, when it fits, and zeroes what it leaves of the old bytes (an
  // erasure's scrubbed version, whose old bytes must not stay in memory); else appends it and
  // zeroes the old bytes. Returns the new span.
  Span overwrite(Span span, std::string_view piece) {
    char* old = blocks_[span.block].data.get() + span.offset;
    if (piece.size() <= span.size) {
      std::memmove(old, piece.data(), piece.size());
      std::memset(old + piece.size(), 0, span.size - piece.size());
      return Span{span.block, span.offset, static_cast<std::uint32_t>(piece.size())};
    }
    const Span moved = append(piece);
    std::memset(blocks_[span.block].data.get() + span.offset, 0, span.size);
    return moved;
  }

  Mark mark() const { return blocks_.empty() ? Mark{} : Mark{blocks_.size(), blocks_.back().used}; }
  void rollback(Mark mark) noexcept {
    blocks_.resize(std::min(blocks_.size(), mark.blocks));
    if (!blocks_.empty()) blocks_.back().used = mark.used;
  }

 private:
  static constexpr std::size_t kBlock = std::size_t{1} << 20;
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t capacity = 0;
    std::size_t used = 0;
  };
  std::vector<Block> blocks_;
};

}  // namespace safeguard::detail
