package org.lifeboat.backup;

import org.lifeboat.repository.Snapshot;

/** The saved snapshot (null for a dry run) and its statistics; {@code errors} > 0 means incomplete. */
public record BackupResult(Snapshot snapshot, Snapshot.Summary summary, long errors) {
}
