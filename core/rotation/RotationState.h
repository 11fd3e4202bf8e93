// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/AtomicFile.h"
#include "util/Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace certrotor::rotation {

/// Where a destination stands in the phased rotation.
enum class Phase {
    Staged, // previewed and gated; nothing written
    Overlap, // old + new committed
    Retired, // new only committed, after an overlap
    Replaced, // new only committed in one step (--mode replace)
    RolledBack, // back at the version it had before the rotation
};
QString phaseName(Phase phase); // "staged", "overlap", "retired", "replaced", "rolled-back"
Phase phaseFromName(const QString& name, bool* ok = nullptr);

/// What a probe of one target found about the chain it serves now.
struct TargetStatus {
    QString target; // HOST:PORT
    bool ok = false;
    /// Which side of the rotation anchors the chain: "old" (a CA only the old bundle has), "new" (only
    /// the candidate has it), "both" (kept across the rotation), "other", or "" (did not verify).
    QString anchoredBy;
    QString anchorSubject;
    QString anchorSha256;
    double timeToTrustMs = -1; // commit -> first verifying handshake (confirm only)
    int attempts = 0;
    QString error; // plain words when !ok
    QString probeId; // the last probe's id

    QJsonObject toJson() const;
    static TargetStatus fromJson(const QJsonObject& o);
};

/// One version a destination had or was given.
struct CommittedVersion {
    QString label; // "original", "overlap", "new"
    QString sha256; // of the bytes
    QString version; // the precondition value it left (file: sha256 or "absent"; Kubernetes: resourceVersion)
    bool exists = true; // false: the file did not exist (original only)
    QString backup; // file destinations: the backup of the version it replaced
    QDateTime at; // UTC

    QJsonObject toJson() const;
    static CommittedVersion fromJson(const QJsonObject& o);
};

/// One destination of a rotation.
struct DestinationState {
    QString id; // Destination::id()
    int wave = 0;
    QString waveName;
    QStringList targets; // HOST:PORT[ servername] as given
    int confirmDeadlineMs = 180000;
    Phase phase = Phase::Staged;
    bool confirmed = false; // the current phase's commit was confirmed by every target
    QByteArray originalBytes; // what it held at staging (a trust bundle: certificates only)
    QByteArray overlapBytes; // old + new, new first
    QList<CommittedVersion> history; // [0] = original as staged, then each commit, in order
    /// A write in flight: {"label", "sha256", "at"}. After a crash, the destination's content says
    /// whether the write happened (resume finishes the record) or not (it is dropped).
    QJsonObject pending;
    QList<TargetStatus> targetStatus;
    QString lastVerdict;
    QString lastError;
    QDateTime updatedAt;

    const CommittedVersion& current() const { return history.last(); }
    QJsonObject toJson() const;
    static DestinationState fromJson(const QJsonObject& o);
};

/// A rotation that lasts hours or days, kept in a crash-safe file (atomic write: temporary file,
/// fsync, rename, fsync of the directory) so `certrotor-cli rotate status` and the console resume
/// it after a restart or a crash. A lock file next to it keeps two processes from driving it.
struct RotationState {
    static constexpr int kFormat = 1;

    QString id;
    QString mode; // "overlap" or "replace"
    QDateTime createdAt;
    QDateTime updatedAt;
    QString candidateName; // the file or source it came from
    QString candidateSha256; // SHA-256 of the candidate's bytes as staged (the --expect-sha256 value)
    QByteArray newBytes; // the candidate as committed by retire/replace (its certificates, PEM, in order)
    QString planPath; // the rotation plan file, when waves came from one
    QStringList waveNames;
    bool drill = false;
    QList<DestinationState> destinations;

    /// Every destination retired, replaced or rolled back (nothing left to do).
    bool isClosed() const;
    DestinationState* destination(const QString& id);
    const DestinationState* destination(const QString& id) const;

    QJsonObject toJson() const;
    static Result<RotationState> fromJson(const QJsonObject& o, const QString& where);

    /// $CERTROTOR_STATE_DIR, else $XDG_STATE_HOME/certrotor/rotations (~/.local/state/certrotor/rotations).
    static QString stateDir();
    /// The id of a rotation over these destinations (order does not matter).
    static QString idFor(const QStringList& destinationIds);
    static QString pathFor(const QString& id, const QString& dir = {});
    static QString lockPathFor(const QString& id, const QString& dir = {});

    static Result<RotationState> load(const QString& path);
    Result<std::monostate> save(const QString& path) const;
    /// Every state file in `dir` (default stateDir()), newest first; files that do not load are
    /// returned as errors (named), never skipped silently.
    static QList<Result<RotationState>> loadAll(const QString& dir = {});
    /// The open (not closed) rotation that holds `destinationId`, if any.
    static Result<RotationState> findOpen(const QString& destinationId, const QString& dir = {});
    /// The open rotation holding `destinationId`, else the most recently updated closed one (a retired
    /// rotation can still be rolled back one step, to its overlap).
    static Result<RotationState> findLatest(const QString& destinationId, const QString& dir = {});
    /// Moves a closed rotation's state file to `<dir>/closed/<id>-<time>.json` (a new rotation over the
    /// same destinations starts with a fresh file; the old one is kept for the record).
    static Result<std::monostate> archive(const QString& rotationId, const QString& dir = {});
};

} // namespace certrotor::rotation
