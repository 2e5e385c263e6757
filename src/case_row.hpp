// One entity of a case-file section whose fields come from somewhere other than JSON text (the
// column buffers of sg_graph_add_tables), made into its batch item by the case reader's own
// mapping (EntityReader in src/case_json.cpp): a table's row is checked, and refused, exactly
// as the same entity in a case file is.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "safeguard/error.hpp"
#include "safeguard/graph.hpp"

namespace safeguard::detail {

// Why the case reader's mapping refused a row: the field (empty for the row as a whole), the
// status, the reason, and the entity id when the row has one.
struct RowError {
  std::string field;
  Status status;
  std::string message;
  std::string entity;
};

class CaseRow {
 public:
  // The position of a case-file section in the order its items go into a batch ("agencies"
  // first, "calendar" last), or -1 when `section` names none.
  static int section_order(std::string_view section);

  // `section` must be one section_order() knows.
  explicit CaseRow(std::string_view section);
  ~CaseRow();
  CaseRow(const CaseRow&) = delete;
  CaseRow& operator=(const CaseRow&) = delete;

  bool is_calendar() const;
  // The slot of a field of the section, or -1 when it has no such field.
  int field(std::string_view name) const;
  // The batch item the section's rows become, as Edit's alternative (detail::ItemCounts'
  // index).
  std::size_t item_kind() const;
  // Whether a field holds ids: the entity's own, or those it refers to.
  bool holds_ids(int field) const;

  // Starts row `row` (0-based; the case file's element index): every field absent.
  void begin(std::size_t row);
  // A field with no value in this row: left out, as a case file leaves it out.
  void set_absent(int field);
  void set_text(int field, std::string_view text);
  // A number: whole ones are integers; anything else is a fraction, which no field takes.
  void set_number(int field, double value);
  void set_flag(int field, bool value);
  void set_day(int field, Day day);
  // A list of strings: begin it, then add its items.
  void set_list(int field);
  void add_item(int field, std::string_view item);

  // The row as its batch item; throws RowError when the mapping refuses it.
  Edit build();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace safeguard::detail
