/**
 * Ransomware-like change detection: what changed between a snapshot and its parent
 * ({@link org.lifeboat.anomaly.Signals}, read from the two trees and the index), and how unusual
 * that is for the system ({@link org.lifeboat.anomaly.Scorer}, against a baseline learnt from the
 * system's own earlier snapshots). An engine: it reads a repository and never writes one.
 */
package org.lifeboat.anomaly;
