import { errorMessage, overview, type Overview } from "./ipc";

function render(target: HTMLElement, o: Overview): void {
  target.replaceChildren();
  if (!o.snapshot || !o.counts) {
    target.textContent = "No snapshot yet: run `hallpass sync` to read your organization.";
    return;
  }
  const title = document.createElement("h2");
  title.textContent = `Snapshot ${o.snapshot.id} — ${new Date(o.snapshot.finished_at).toLocaleString()}`;
  const list = document.createElement("dl");
  const c = o.counts;
  const rows: [string, number][] = [
    ["Accounts", c.accounts],
    ["Organizational units", c.ous],
    ["Identity Center instances", c.instances],
    ["Permission sets", c.permission_sets],
    ["Users", c.users],
    ["Groups", c.groups],
    ["Group memberships", c.memberships],
    ["Account assignments", c.assignments],
  ];
  for (const [label, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value.toLocaleString();
    list.append(dt, dd);
  }
  target.append(title, list);
}

const target = document.getElementById("overview");
if (target) {
  overview()
    .then((o) => render(target, o))
    .catch((e: unknown) => {
      target.textContent = `Could not read the local database: ${errorMessage(e)}`;
    });
}
