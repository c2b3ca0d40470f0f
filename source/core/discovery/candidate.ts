/** How an address of an installer was learned. */
export type DiscoverySource = 'mdns' | 'ndp' | 'manual';

export interface CandidateAddress {
  /** IPv4 or IPv6 address without zone or brackets. */
  address: string;
  /** Interface name; required for IPv6 link-local addresses (the zone). */
  interface?: string;
  via: DiscoverySource;
}

/** One installer, however many paths it was seen through. */
export interface Candidate {
  /**
   * Stable within one discovery run, for updating a row in place: the host key fingerprint,
   * with `#2`, `#3`… when other machines present the same key.
   */
  id?: string;
  /** mDNS names such as `bootstrap.local`, `bootstrap-2.local`. */
  names: string[];
  addresses: CandidateAddress[];
  port: number;
  /** MAC address (lower case, colon separated) from EUI-64 or the neighbour table. */
  mac?: string;
  /** SSH identification string, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`. */
  banner?: string;
  /** Host key fingerprint as `ssh-keygen -l` prints it: `SHA256:…`. */
  fingerprint?: string;
  /** Host key algorithm, e.g. `ssh-ed25519`. */
  hostKeyType?: string;
  /** Milliseconds since discovery started when this installer was first seen. */
  firstSeenMs: number;
}
