// Peer: the default rule pack (rules/default.toml) in json-rules-engine. Each concern and factor
// rule is an engine rule whose conditions are the pack's `when`; the event carries the pack's
// points, half-life and reach, which this harness applies (json-rules-engine decides, it does
// not compute). Child rules and overrides are engine rules over facts the harness derives
// (json-rules-engine has no aggregates): the counts and distinct agencies the pack's aggregates
// name. Evaluated per child over the fact documents `safeguard_bench --mode export` writes.
//
//   node bench/peers/node/rules_engine.js facts.json [out.json]
'use strict';
const fs = require('fs');
const { Engine } = require('json-rules-engine');
const { CARE_CATEGORIES, agreement } = require('./agreement');

const LEVELS = [0, 4, 8, 16];
const [ABUSE, NEGLECT, DOMESTIC, EXPLOITATION] = [0, 1, 2, 3];
const CHILD_PROTECTION = 3;
const FAMILY = ['self', 'sibling', 'carer', 'household', 'partner', 'involved'];

function concernRule(id, categories, index, points, halfLife, reach) {
  return {
    name: id,
    conditions: {
      all: [
        { fact: 'kind', operator: 'equal', value: 'concern' },
        { fact: 'category', operator: 'in', value: categories },
        { fact: 'status', operator: 'in', value: ['open', 'closed'] },
      ],
    },
    event: { type: 'score', params: { index, points, halfLife, reach } },
  };
}

function factorRule(id, kinds, index, points, cap, reach) {
  return {
    name: id,
    conditions: {
      all: [
        { fact: 'kind', operator: 'equal', value: 'factor' },
        { fact: 'factor_kind', operator: 'in', value: kinds },
        { fact: 'active', operator: 'equal', value: true },
      ],
    },
    event: { type: 'score', params: { index, points, cap, reach } },
  };
}

// points: { severity: m } for severity * m, { strength: m } for strength * m, { fixed: n }.
const SELF = { self: 1.0 };
const evidenceRules = [
  concernRule('physical-injury', ['physical_injury', 'non_accidental_injury'], ABUSE,
    { severity: 2 }, 365, { self: 1.0, sibling: 0.5 }),
  concernRule('sexual-abuse', ['sexual_abuse'], ABUSE, { severity: 3 }, 730,
    { self: 1.0, sibling: 0.5 }),
  concernRule('emotional-harm', ['emotional_abuse'], ABUSE, { severity: 1.5 }, 365, SELF),
  concernRule('school-attendance', ['school_attendance'], NEGLECT, { fixed: 2 }, 180, SELF),
  concernRule('missed-health', ['missed_health_appointments'], NEGLECT, { fixed: 2 }, 180, SELF),
  concernRule('poor-presentation', ['poor_presentation'], NEGLECT, { severity: 1.5 }, 180,
    { self: 1.0, sibling: 0.5 }),
  concernRule('domestic-abuse-incident', ['domestic_abuse'], DOMESTIC, { severity: 2 }, 365,
    { self: 1.0, carer: 1.0, household: 0.75, involved: 1.0 }),
  concernRule('missing-episode', ['missing_episode'], EXPLOITATION, { severity: 2 }, 180, SELF),
  concernRule('exploitation-indicator', ['cse_indicator', 'cce_indicator', 'county_lines'],
    EXPLOITATION, { severity: 2.5 }, 365, { self: 1.0, associate: 0.25 }),
  concernRule('violent-adult', ['violent_offending'], ABUSE, { severity: 1.5 }, 730,
    { carer: 1.0, household: 1.0, involved: 1.0 }),
  concernRule('carer-substance-misuse', ['substance_misuse'], NEGLECT, { severity: 1.5 }, 365,
    { carer: 1.0, household: 0.5 }),
  concernRule('carer-mental-health', ['mental_health'], NEGLECT, { severity: 1 }, 365,
    { carer: 1.0, household: 0.5 }),
  concernRule('housing-instability', ['housing_instability'], NEGLECT, { fixed: 2 }, 180,
    { self: 1.0, carer: 1.0, household: 1.0 }),
  // Categories added in pack 0.3.0 (issue 17).
  concernRule('female-genital-mutilation', ['female_genital_mutilation'], ABUSE, { severity: 3 },
    1825, { self: 1.0, sibling: 1.0 }),
  concernRule('honour-based-abuse', ['honour_based_abuse'], ABUSE, { severity: 2.5 }, 730,
    { self: 1.0, sibling: 0.5, involved: 1.0 }),
  concernRule('fabricated-or-induced-illness', ['fabricated_or_induced_illness'], ABUSE,
    { severity: 3 }, 730, { self: 1.0, sibling: 0.5 }),
  concernRule('bruising-non-mobile-baby', ['bruising_non_mobile_baby'], ABUSE, { severity: 3 },
    365, { self: 1.0, sibling: 0.5 }),
  concernRule('online-abuse', ['online_abuse'], ABUSE, { severity: 2 }, 365, SELF),
  concernRule('child-on-child-abuse', ['child_on_child_abuse'], ABUSE, { severity: 2 }, 365, SELF),
  concernRule('harmful-sexual-behaviour', ['harmful_sexual_behaviour'], ABUSE, { severity: 1.5 },
    365, SELF),
  concernRule('radicalisation', ['radicalisation'], EXPLOITATION, { severity: 2 }, 365, SELF),
  concernRule('carer-learning-disability', ['parental_learning_disability'], NEGLECT,
    { severity: 1 }, 365, { carer: 1.0 }),
  factorRule('protective-adult', ['protective_adult', 'kinship_support'], NEGLECT,
    { strength: -1 }, 5, { self: 1.0, sibling: 1.0 }),
  factorRule('early-help-engagement', ['early_help_engagement'], NEGLECT, { fixed: -2 }, 2, SELF),
  factorRule('safety-plan', ['safety_plan'], DOMESTIC, { strength: -1.5 }, 6, SELF),
];

const childRules = [
  { name: 'multi-agency-corroboration', conditions: { all: [
    { fact: 'family_open_agencies_180', operator: 'greaterThanInclusive', value: 3 }] },
  event: { type: 'score', params: { index: NEGLECT, points: 5 } } },
  { name: 'domestic-abuse-escalation', conditions: { all: [
    { fact: 'family_domestic_abuse_365', operator: 'greaterThanInclusive', value: 3 }] },
  event: { type: 'score', params: { index: DOMESTIC, points: 6 } } },
  { name: 'baby-with-recent-concern', conditions: { all: [
    { fact: 'age', operator: 'lessThan', value: 1 },
    { fact: 'family_severe_365', operator: 'greaterThanInclusive', value: 1 }] },
  event: { type: 'score', params: { index: ABUSE, points: 3 } } },
  { name: 'disabled-child', conditions: { all: [
    { fact: 'flags', operator: 'contains', value: 'disability' },
    { fact: 'own_365', operator: 'greaterThanInclusive', value: 1 }] },
  event: { type: 'score', params: { index: NEGLECT, points: 2 } } },
  { name: 'statutory-review-overdue', conditions: { all: [
    { fact: 'review_overdue', operator: 'equal', value: true }] },
  event: { type: 'score', params: { index: NEGLECT, points: 2 } } },
  { name: 'open-sexual-abuse', conditions: { all: [
    { fact: 'own_open_sexual_abuse', operator: 'greaterThanInclusive', value: 1 }] },
  event: { type: 'override', params: { minLevel: CHILD_PROTECTION } } },
  { name: 'baby-serious-injury', conditions: { all: [
    { fact: 'age', operator: 'lessThan', value: 1 },
    { fact: 'own_serious_injury_30', operator: 'greaterThanInclusive', value: 1 }] },
  event: { type: 'override', params: { minLevel: CHILD_PROTECTION } } },
  { name: 'fgm-strategy-discussion', conditions: { all: [
    { fact: 'family_fgm_self_or_sibling', operator: 'greaterThanInclusive', value: 1 }] },
  event: { type: 'override', params: { minLevel: CHILD_PROTECTION } } },
  { name: 'non-mobile-baby-bruising-referral', conditions: { all: [
    { fact: 'own_bruising_baby_30', operator: 'greaterThanInclusive', value: 1 }] },
  event: { type: 'override', params: { minLevel: CHILD_PROTECTION } } },
  { name: 'on-child-protection-plan', conditions: { all: [
    { fact: 'on_plan', operator: 'equal', value: true }] },
  event: { type: 'override', params: { minLevel: CHILD_PROTECTION } } },
];

const within = (c, days) => c.age_days >= 0 && c.age_days <= days;
const family = (child) => child.concerns.filter((c) => c.roles.some((r) => FAMILY.includes(r)));
const own = (child) => child.concerns.filter((c) => c.roles.includes('self'));
const counts = (c) => c.status === 'open' || c.status === 'closed';
// A family concern's path: the first family role it arrives by (roles come in the library's
// role order: self, sibling, ...).
const path = (c) => c.roles.find((r) => FAMILY.includes(r));

// The pack's aggregates, as facts the child rules test.
function childFacts(child) {
  const fam = family(child);
  const mine = own(child);
  return {
    age: child.age === null ? 999 : child.age,
    flags: child.flags,
    review_overdue: child.review_overdue,
    on_plan: child.on_plan,
    family_open_agencies_180: new Set(fam.filter((c) => within(c, 180) && c.status === 'open' &&
      CARE_CATEGORIES.includes(c.category)).map((c) => c.agency)).size,
    family_domestic_abuse_365: fam.filter((c) => c.category === 'domestic_abuse' && counts(c) &&
      within(c, 365)).length,
    family_severe_365: fam.filter((c) => within(c, 365) && counts(c) && c.severity >= 3).length,
    own_365: mine.filter((c) => counts(c) && within(c, 365)).length,
    own_open_sexual_abuse: mine.filter((c) => c.category === 'sexual_abuse' &&
      c.status === 'open').length,
    own_serious_injury_30: mine.filter((c) => (c.category === 'physical_injury' ||
      c.category === 'non_accidental_injury') && counts(c) && c.severity >= 4 &&
      within(c, 30)).length,
    family_fgm_self_or_sibling: fam.filter((c) => c.category === 'female_genital_mutilation' &&
      counts(c) && ['self', 'sibling'].includes(path(c))).length,
    own_bruising_baby_30: mine.filter((c) => c.category === 'bruising_non_mobile_baby' &&
      counts(c) && within(c, 30)).length,
  };
}

function raw(points, item) {
  if ('severity' in points) return item.severity * points.severity;
  if ('strength' in points) return item.strength * points.strength;
  return points.fixed;
}

function bestReach(reach, roles) {
  let best = 0;
  for (const role of roles) best = Math.max(best, reach[role] || 0);
  return best;
}

const levelOf = (score) => LEVELS.reduce((level, min, l) => (score >= min ? l : level), 0);

async function assess(evidenceEngine, childEngine, child) {
  const scores = [0, 0, 0, 0];
  for (const c of child.concerns) {
    const { events } = await evidenceEngine.run({ kind: 'concern', category: c.category,
      status: c.status });
    for (const { params } of events) {
      const reach = bestReach(params.reach, c.roles);
      if (reach > 0) {
        scores[params.index] += raw(params.points, c) *
          Math.pow(0.5, Math.max(0, c.age_days) / params.halfLife) * reach;
      }
    }
  }
  const capped = new Map();  // rule name -> { params, values }
  for (const f of child.factors) {
    const { events, results } = await evidenceEngine.run({ kind: 'factor', factor_kind: f.kind,
      active: f.active });
    results.forEach((result, i) => {
      const { params } = events[i];
      const entry = capped.get(result.name) || { params, values: [] };
      entry.values.push(raw(params.points, f) * bestReach(params.reach, f.roles));
      capped.set(result.name, entry);
    });
  }
  for (const { params, values } of capped.values()) {
    const total = values.reduce((a, b) => a + b, 0);
    scores[params.index] += Math.abs(total) > params.cap
      ? values.reduce((a, v) => a + v * params.cap / Math.abs(total), 0) : total;
  }
  const { events } = await childEngine.run(childFacts(child));
  let policyMinimum = -1;
  for (const { type, params } of events) {
    if (type === 'score') scores[params.index] += params.points;
    else policyMinimum = Math.max(policyMinimum, params.minLevel);
  }
  let level = Math.max(...scores.map(levelOf), policyMinimum);
  if (child.discretionary === 'raise' && level < CHILD_PROTECTION) level += 1;
  else if (child.discretionary === 'lower' && level > 0 && level - 1 >= policyMinimum) level -= 1;
  return level;
}

async function main() {
  const [factsPath, outPath] = process.argv.slice(2);
  const { children } = JSON.parse(fs.readFileSync(factsPath, 'utf8'));
  const options = { allowUndefinedFacts: true };
  const evidenceEngine = new Engine(evidenceRules, options);
  const childEngine = new Engine(childRules, options);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const missed = [];
  for (const child of children) {
    const level = await assess(evidenceEngine, childEngine, child);
    if (level !== child.level) missed.push({ id: child.id, safeguard: child.level, peer: level });
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const figures = { peer: 'json-rules-engine', children: children.length,
    cpu_s: (used.user + used.system) / 1e6, wall_s: wall, ...agreement(missed, children.length) };
  console.log(JSON.stringify(figures));
  if (outPath) fs.writeFileSync(outPath, JSON.stringify(figures, null, 2));
}

main().catch((error) => { console.error(error); process.exit(1); });
