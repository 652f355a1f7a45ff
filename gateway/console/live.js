// The live panels, refreshed on every poll: the charts from the windowed stats
// endpoints, and the canary table from the all-time totals. Each has its own error:
// the stats app being down or recovering blanks the charts, with the reason on them,
// and leaves the canary table (Redis totals, kept by the registry) working.
import { call, seg } from "./api.js";
import { renderCanary } from "./canary.js";
import { chartSeries, WINDOWS_SHOWN } from "./series.js";

// models: GET /v1/models's list; charts: {chart name: LineChart}; width: "10s" or "60s"
export async function updateLive(models, dataTypes, charts, width, canaryContainer) {
  const live = models.filter((m) => m.role !== "retired");
  const names = [...new Set(live.map((m) => m.name))];
  const liveVersions = (name, byVersion) => {
    const wanted = new Set(live.filter((m) => m.name === name).map((m) => m.version));
    return Object.fromEntries(Object.entries(byVersion).filter(([v]) => wanted.has(v)));
  };
  await Promise.all([drawCharts(), drawCanary()]);

  async function drawCharts() {
    const query = `width=${width}&limit=${WINDOWS_SHOWN}`;
    const windows = { dataTypes: {}, models: {} };
    try {
      await Promise.all([
        ...dataTypes.map(async (dt) => {
          windows.dataTypes[dt] = (await call("GET", `/v1/data-types/${seg(dt)}/stats/windows?${query}`)).windows;
        }),
        ...names.map(async (name) => {
          const { versions } = await call("GET", `/v1/models/${seg(name)}/stats/windows?${query}`);
          windows.models[name] = liveVersions(name, versions);
        }),
      ]);
    } catch (err) {
      const reason = err.status === 503 ? "stats app down or recovering — retrying" : `stats windows: ${err.message}`;
      for (const chart of Object.values(charts)) chart.unavailable(reason);
      return;
    }
    const { times, charts: values } = chartSeries(windows, width, Date.now());
    for (const [name, chart] of Object.entries(charts)) chart.show(times, values[name] || {});
  }

  async function drawCanary() {
    const totals = Object.fromEntries(await Promise.all(names.map(async (name) => {
      const versions = await call("GET", `/v1/models/${seg(name)}/stats`).then((b) => b.versions, ignore404);
      return [name, liveVersions(name, versions)];
    })));
    renderCanary(canaryContainer, models, totals);
  }
}

function ignore404(err) {
  if (err.status === 404) return {};  // no stats for that model yet
  throw err;
}
