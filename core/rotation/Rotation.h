// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "audit/AuditEvents.h"
#include "probe/ProbePlan.h"
#include "rotation/Destination.h"
#include "rotation/RotationPolicy.h"
#include "rotation/RotationState.h"
#include "rotation/TextDiff.h"
#include "util/AtomicFile.h"
#include "x509/BundleDiff.h"
#include "x509/Lint.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

namespace certrotor {
class AuditLog;
class Clock;
} // namespace certrotor

namespace certrotor::rotation {

/// What one operation did to (or found at) one destination.
struct DestinationOutcome {
    QString destination;
    int wave = 0;
    QString waveName;
    QString phase; // phaseName() after the operation
    bool ok = false;
    QString code; // "" when ok; "policy", "conflict", "confirm-failed", "io", "unusable", ...
    QString message;
    QList<Violation> violations; // the rules the step broke (overridden ones included)
    bool overridden = false; // the violations were overridden with a typed reason
    TextDiff diff; // the bytes the step changes (or would change)
    QString verdict; // the gate's verdict in one sentence
    QList<TargetStatus> targets;
    QString beforeSha256;
    QString afterSha256;
    QString precondition; // the version the write was conditional on
    QString backup;
    QStringList notes; // how consumers pick the change up
    int certificatesBefore = 0;
    int certificatesAfter = 0;
    QStringList added; // subjects the step adds
    QStringList removed; // subjects the step removes
    QList<Overlap::Window> overlapWindows;

    QJsonObject toJson() const;
};

/// The end of one operation (stage, commit, retire, rollback, confirm).
struct Outcome {
    QString operation;
    bool ok = false;
    QString code; // of the first failure: "policy", "conflict", "confirm-failed", "usage", "io", "locked", ...
    QString message;
    QList<DestinationOutcome> destinations;
    bool auditFailed = false; // a record could not be written (the step itself may have succeeded)

    QJsonObject toJson() const;
};

/// The phased rotation of one candidate CA bundle into one or more destinations, in waves:
/// stage → overlap (old + new, new first) → confirm → retire (new only) → confirm, and rollback one
/// step at any point. Enforces the policy (no commit without a passing probe plan on every target, none of
/// a bundle with error findings, none that removes a CA anchoring a target's chain; an override needs a
/// typed reason, audited with the rule), checks preconditions (a changed candidate or destination is a
/// conflict: nothing is written), writes only through a Committer, confirms each commit by fresh probes
/// until every target verifies, keeps its state in a crash-safe file and holds a lock while it drives it,
/// and audits every transition. The console's Rotate panel, the CLI and the drill are views over it.
///
/// Asynchronous: every operation returns at once and ends with finished(Outcome); one at a time
/// (a call while one runs ends at once with code "busy"). Never blocks its thread: reading, parsing,
/// previews and file writes run on worker threads, network is asynchronous.
class Rotation : public QObject {
    Q_OBJECT
public:
    enum class Mode { Overlap, Replace };
    static QString modeName(Mode mode);

    struct DestinationSpec {
        QString spec; // file, secret://…, configmap://…
        QStringList targets; // "HOST:PORT", optionally ";servername=NAME;service=NAME"
        int wave = 0;
        QString waveName;
        int confirmDeadlineMs = -1; // -1: Settings::confirmDeadlineMs
    };

    struct Request {
        QString candidatePath; // a bundle file, secret://…#KEY or configmap://…#KEY; or
        QByteArray candidateBytes; // the bytes (a watched source's delivery), with candidateName
        QString candidateName;
        QString expectSha256; // pins the candidate's bytes (from a change ticket)
        Mode mode = Mode::Overlap;
        QList<DestinationSpec> destinations;
        QStringList waveNames;
        QString planPath;
        bool dryRun = false; // preview and gate only: no state file, no lock kept
    };

    struct Settings {
        const Clock* clock = nullptr; // default: the system clock
        AuditLog* audit = nullptr; // not owned; null = nothing recorded
        QString actor; // who drives it ("certrotor-cli", "console", "drill")
        ProbePlan::Settings probe;
        int confirmDeadlineMs = 180000;
        int confirmInitialBackoffMs = 250;
        int confirmMaxBackoffMs = 5000;
        CommitterOptions committer;
        QString overrideReason; // "" = no override
        int expiryWarningDays = 30;
        bool drill = false; // records are marked as drill records
        QString stateDir; // "" = RotationState::stateDir()
    };

    explicit Rotation(Settings settings, QObject* parent = nullptr);
    ~Rotation() override;

    const Settings& settings() const { return m_settings; }
    void setOverrideReason(const QString& reason) { m_settings.overrideReason = reason; }

    /// Reads the candidate and every destination, records the preconditions, previews the change
    /// (diff of bytes, certificates added and removed, overlap window, lint) and runs the gate for the
    /// mode's first commit. Without dryRun the rotation is saved (phase staged) and locked.
    void stage(Request request);
    /// Loads the open rotation holding `destinationId` (else the latest closed one, which can still be
    /// rolled back a step), or the rotation `rotationId`, and locks it. Synchronous: it reads one small
    /// file. A write that a crash interrupted is settled first: then isBusy() is true until
    /// finished("resume") (the destination's content says whether the write happened).
    Result<std::monostate> resume(const QString& destinationOrRotationId);
    /// A saved rotation read and its bundles parsed on any thread (loadOpen), for resume(Loaded).
    struct Loaded;
    /// Reads every state file in `dir` ("" = RotationState::stateDir()) and parses the bundles of the
    /// open ones. Touches no rotation: run it off the GUI thread, then resume(Loaded) there.
    static QList<Result<Loaded>> loadOpen(const QString& dir);
    /// resume() of a state loadOpen read: locks it and settles an interrupted write; reads no file and
    /// parses nothing.
    Result<std::monostate> resume(Loaded loaded);
    /// Commits the mode's bundle to every destination of `wave` (gate, precondition, write, read back,
    /// confirm), in order; stops at the first failure.
    void commitWave(int wave);
    /// Commits new-only to each destination (all when empty) that is in overlap: gated by every target
    /// verifying with the post-retire bundle. `targets` non-empty replaces the destinations' targets.
    void retire(const QStringList& destinationIds = {}, const QStringList& targets = {});
    /// Writes the previous committed version of each destination back (all committed ones when empty,
    /// in reverse wave order) and re-probes.
    void rollback(const QStringList& destinationIds = {});
    /// Re-probes each destination's targets with what it holds now and reports which CA anchors each.
    void confirm(const QStringList& destinationIds = {});
    /// Stops the running operation as soon as it safely can: a confirmation ends now (code "cancelled", the
    /// commit it confirms stays, unconfirmed); a write in flight finishes; no later step starts.
    void cancel();
    /// Forgets a rotation that never committed anything (state file removed, lock released); one that did is
    /// only unloaded. False (and nothing done) while an operation runs.
    bool discard();

    bool isBusy() const { return m_busy || m_ending; }
    /// Blocks until every state save of every rotation is on disk (before a process exits on its own).
    static void waitForSaved();
    bool isLoaded() const { return !m_state.id.isEmpty(); }
    const RotationState& state() const { return m_state; }
    QString statePath() const;
    /// Waves present (sorted), from the state.
    QList<int> waves() const;
    /// "2 (canary)" — a wave's number (from 1) and its name, for messages.
    QString waveLabel(int wave) const;
    /// The last stage's previews, one per destination.
    const QList<DestinationOutcome>& previews() const { return m_previews; }
    /// Which actions the policy allows now for a destination, and why not (for the views).
    struct Allowed {
        bool commit = false, retire = false, rollback = false, confirm = false;
        QString commitWhy, retireWhy, rollbackWhy, confirmWhy;
    };
    Allowed allowed(const QString& destinationId) const;

    /// A bundle's certificates and their SHA-256s, parsed once (off the thread where it is big).
    struct Parsed {
        QByteArray bytes;
        QList<Certificate> certs;
        QSet<QString> shas;
    };
    static Parsed parse(const QByteArray& bytes);
    struct Loaded {
        RotationState state;
        QList<Parsed> parsed; // the candidate's and each destination's original and overlap bundles
    };

Q_SIGNALS:
    void progress(const QString& destination, const QString& message);
    /// One target's latest status during a confirmation (live progress).
    void targetUpdated(const QString& destination, const certrotor::rotation::TargetStatus& status);
    void stateChanged();
    void finished(const certrotor::rotation::Outcome& outcome);

private:
    struct Dest {
        Destination destination;
        std::unique_ptr<Committer> committer;
        QList<ProbeTarget> targets;
    };
    struct GateResult {
        QList<Violation> violations;
        QList<ProbeResult> current;
        QList<ProbeResult> proposed;
        PlanVerdict verdict;
        QSet<QString> oldShas; // the original bundle's certificates
        QSet<QString> newShas; // the candidate's
    };
    using Step = std::function<void(std::function<void(bool)>)>;

    bool begin(const QString& operation);
    void end();
    void fail(const QString& code, const QString& message);
    void runSteps(std::vector<Step> steps, std::function<void()> done);

    Result<std::monostate> prepareDests();
    Dest* dest(const QString& id);
    DestinationState& dstate(const QString& id);
    void remember(Parsed parsed);
    const Parsed& parsed(const QByteArray& bytes) const;
    const Parsed* known(const QByteArray& bytes) const; // null when not parsed yet
    QList<Certificate> certsOf(const QByteArray& bytes) const;
    QSet<QString> shasOf(const QByteArray& bytes) const;
    QSet<QString> oldOnlyShas(const DestinationState& d) const;
    /// The bytes of a version by its label ("original", "overlap", "new").
    QByteArray bytesFor(const DestinationState& d, const QString& label) const;

    void gate(const QString& destId, const QByteArray& currentBytes, const QByteArray& proposedBytes, bool newOnly,
              const QString& phase, std::function<void(GateResult)> done);
    void gateWith(const QString& destId, const QList<Certificate>& currentCerts,
                  const QList<Certificate>& proposedCerts, const QSet<QString>& proposedShas,
                  const QSet<QString>& oldShas, const QSet<QString>& newShas, const QList<Finding>& findings,
                  bool newOnly, const QString& phase, std::function<void(GateResult)> done);
    bool judgeViolations(DestinationOutcome& out, const GateResult& gate, const QString& phase);
    /// One gated write: re-read (a changed destination is a conflict), gate, judge (override), write
    /// through the committer, confirm. Every commit — overlap, replace, retire, rollback — goes through it.
    struct GatedCommit {
        QString step; // the gate's and the audit's name: "overlap", "replace", "retire", "rollback"
        QString label; // the version written: "overlap", "new", "original"
        QByteArray bytes;
        Phase after = Phase::Staged;
        QString event; // the audit record of the write
        QString confirmReason;
        bool newOnly = false; // drops the old CAs
        bool onlyAnchorRules = false; // only removes-anchor / needs-old-ca block (rollback)
    };
    void gatedCommit(const QString& id, GatedCommit commit, std::function<void(bool)> next);
    bool beginOn(const QString& operation); // begin() on a loaded rotation
    QStringList idsOrAll(const QStringList& ids) const;
    bool isPartOf(const QString& id);
    bool requirePhase(const QString& id, bool ok, const QString& why);
    void commitBytes(const QString& destId, const QString& label, const QByteArray& bytes, Phase after,
                     const QString& event, std::function<void(bool)> done);
    void confirmDest(const QString& destId, const QString& reason, std::function<void(bool)> done);
    void settlePending();
    void recheckCandidate(std::function<void(bool)> done);

    void audit(const QString& event, QJsonObject data);
    void audit(const audit::AuditRecord& record) { audit(record.event, record.data); }
    QJsonObject base(const QString& destId) const;
    /// Saves the state on the state writer thread; `then` runs once it is on disk.
    void save(std::function<void(bool saved)> then = {});
    void settleOne(const QString& id, std::function<void(bool)> next);
    void unloadAfterFailedStage();
    void emitFinished();
    DestinationOutcome& outcomeFor(const QString& destId);
    qint64 nowSecs() const;
    QDateTime nowUtc() const;

    Settings m_settings;
    RotationState m_state;
    std::vector<Dest> m_dests;
    FileLock m_lock;
    QList<Certificate> m_candidate;
    QList<DestinationOutcome> m_previews;
    std::unique_ptr<Committer> m_candidateSource; // re-read at commit (the candidate must not change after staging)
    bool m_busy = false;
    bool m_cancelRequested = false;
    QPointer<ProbePlan> m_activePlan; // the gate's or the confirmation's probes in flight
    QTimer m_confirmBackoff;
    bool m_ending = false; // end() was called; finished() waits for the saves in flight
    int m_savesInFlight = 0;
    QHash<const char*, Parsed> m_parsed;
    Outcome m_outcome;
    QString m_lastError;
};

/// "HOST:PORT[;servername=NAME][;service=NAME]" → a probe target.
Result<ProbeTarget> parseTargetSpec(const QString& spec);
QString targetSpec(const ProbeTarget& target);

} // namespace certrotor::rotation

Q_DECLARE_METATYPE(certrotor::rotation::Outcome)
Q_DECLARE_METATYPE(certrotor::rotation::TargetStatus)
