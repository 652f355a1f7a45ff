// The chart data layer, in one place. The stats endpoints keep running totals
// (GET /v1/data-types/{dt}/stats: answers; GET /v1/models/{name}/stats: per version
// scored, wins, late, errors), so a rate is the difference of two successive polls
// over the seconds between them. Windowed stats endpoints, once the gateway has them,
// replace this module's body and nothing else: the charts take chartValues' shape.

// What each chart plots, and the unit of its y axis.
export const CHARTS = {
  throughput: { title: "Throughput", unit: "answers/s" },
  latency: { title: "Latency (recent window)", unit: "ms" },
  wins: { title: "Wins per model version", unit: "/s" },
  late: { title: "Late scores per model version", unit: "/s" },
  errors: { title: "Errors per model version", unit: "/s" },
};

// {key: total} twice -> {key: rate per second}. A total that went down (the registry
// rebuilt its counters) counts again from zero; a key seen once has no rate yet.
export function ratesBetween(previous, current, seconds) {
  const rates = {};
  for (const [key, total] of Object.entries(current)) {
    const before = previous ? previous[key] : undefined;
    if (before === undefined || !(seconds > 0)) continue;
    rates[key] = (total >= before ? total - before : total) / seconds;
  }
  return rates;
}

// Two snapshots of the stats endpoints ({at: ms, dataTypes: {dt: stats},
// models: {name: {version: stats}}}) -> {chart: {series: value}}.
export function chartValues(previous, current) {
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const rate = (pick) => ratesBetween(previous && pick(previous), pick(current), seconds);
  const values = { throughput: rate(answersOf), wins: rate(counterOf("wins")), late: rate(counterOf("late")),
                   errors: rate(counterOf("errors")), latency: {} };
  for (const [dt, stats] of Object.entries(current.dataTypes)) {
    for (const q of ["p50", "p99"]) {
      if (stats.latency_ms && stats.latency_ms[q] != null) values.latency[`${dt} ${q}`] = stats.latency_ms[q];
    }
  }
  return values;
}

// {data type: answers so far}
const answersOf = (snapshot) => Object.fromEntries(
  Object.entries(snapshot.dataTypes).map(([dt, stats]) => [dt, stats.answers]));

// {"name:version": that counter so far}
const counterOf = (counter) => (snapshot) => Object.fromEntries(Object.entries(snapshot.models).flatMap(
  ([name, versions]) => Object.entries(versions).map(([version, stats]) => [`${name}:${version}`, stats[counter]])));
