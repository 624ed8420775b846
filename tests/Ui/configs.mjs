// The configurations the browser tests run: catalog components that need no kernel feature and no network peer.

/**
 * Five components and three references: discovery.relabel feeds a scrape (of a port nothing listens on, so the scrape
 * turns unhealthy) and a second relabel; the scrape forwards to prometheus.relabel's receiver; a debug exporter
 * stands alone.
 */
export function smallConfig(closedPort, { hostsRegex = '(.*)', extra = '' } = {}) {
  return `discovery.relabel "hosts" {
  targets = [{"__address__" = "127.0.0.1:${closedPort}", "env" = "test"}]

  rule {
    source_labels = ["__address__"]
    regex         = "${hostsRegex}"
    target_label  = "instance"
  }
}

discovery.relabel "second" {
  targets = discovery.relabel.hosts.output

  rule {
    source_labels = ["env"]
    target_label  = "environment"
  }
}

prometheus.relabel "drop_debug" {
  forward_to = []

  rule {
    action        = "drop"
    source_labels = ["level"]
    regex         = "debug"
  }
}

prometheus.scrape "closed" {
  targets         = discovery.relabel.hosts.output
  forward_to      = [prometheus.relabel.drop_debug.receiver]
  scrape_interval = "1s"
  scrape_timeout  = "500ms"
}

otelcol.exporter.debug "console" {}
${extra}`;
}

/** A component appended by the live-edit test. */
export const addedComponent = `
discovery.relabel "added" {
  targets = [{"__address__" = "added.example:80"}]

  rule {
    source_labels = ["__address__"]
    target_label  = "instance"
  }
}
`;

/**
 * chains × length discovery.relabel components: each chain's first takes a literal target, every other one the
 * previous one's output, so there are chains × (length − 1) references and `length` graph columns.
 */
export function chainConfig(chains, length) {
  const blocks = [];
  for (let c = 0; c < chains; c++) {
    for (let i = 0; i < length; i++) {
      const name = `c${String(c).padStart(3, '0')}_${i}`;
      const targets = i === 0 ? `[{"__address__" = "host${c}.example:${9000 + i}"}]` : `discovery.relabel.c${String(c).padStart(3, '0')}_${i - 1}.output`;
      blocks.push(`discovery.relabel "${name}" {
  targets = ${targets}

  rule {
    source_labels = ["__address__"]
    target_label  = "stage${i}"
  }
}
`);
    }
  }
  return blocks.join('\n');
}
