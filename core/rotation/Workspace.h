// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "audit/AuditEvents.h"
#include "probe/ProbePlan.h"
#include "rotation/IncomingAnalysis.h"
#include "rotation/Rotation.h"
#include "sources/TrustStoreProvider.h"
#include "util/Result.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <variant>
#include <vector>

namespace certrotor {

class AuditLog;
class Clock;

/// One operator's workspace, headless: the one owner of the workflow that the console's window and
/// panels and the CLI's commands are views over (they assembled it twice, and the copies drifted).
/// It holds the trust stores' file watchers and the watched sources (each through a
/// TrustStoreProvider, sharing one parse cache), analyses what a source delivers against the current
/// store off the calling thread, keeps the candidate (the incoming bundle, or a file the operator
/// chose), runs probe plans and records them, keeps the last verdict, resumes the open rotations, and
/// writes every audit record through the typed builders of audit/AuditEvents.h.
///
/// Lives on one thread (the GUI thread in the console); never blocks it.
class Workspace : public QObject {
    Q_OBJECT
public:
    struct NamedBundle {
        std::shared_ptr<const Bundle> bundle;
        QString label; // a path, or the name of the source that delivered it
    };

    explicit Workspace(const Clock& clock, QObject* parent = nullptr);
    ~Workspace() override;

    const Clock& clock() const { return m_clock; }
    int expiryWarningDays() const { return m_expiryWarningDays; }
    /// Applies to the next analyses (the caller re-prepares what it shows).
    void setExpiryWarningDays(int days) { m_expiryWarningDays = days; }
    int debounceMs() const { return m_debounceMs; }
    /// Applies to every watched file and directory, the store files' watchers included.
    void setDebounceMs(int ms);
    /// One parse per revision across the store loader, the store watchers and every source.
    std::shared_ptr<BundleCache> bundleCache() const { return m_cache; }

    // --- Trust stores ------------------------------------------------------------------------------
    /// Follows a store file: when a committer (or anyone) replaces it, storeFileChanged() delivers the
    /// revision its watcher read and parsed. Idempotent.
    void watchStore(const QString& path);
    /// The store in use (null: none open): what incoming bundles are judged and probed against.
    void setCurrentStore(std::shared_ptr<const Bundle> bundle, const QString& path);
    const NamedBundle& currentStore() const { return m_current; }

    // --- Sources -----------------------------------------------------------------------------------
    /// The watched sources (not the store watchers).
    TrustStoreProvider* sources() const { return m_sources; }
    /// Takes ownership, applies the debounce to a file source, starts it. False (the source deleted)
    /// when one with the same id is watched already.
    bool addSource(Source* source);

    // --- Incoming ----------------------------------------------------------------------------------
    /// Analyses a source's current delivery against the current store on the thread pool; the newest
    /// request wins (an older result is dropped). A delivery with errors is never analysed.
    void analyzeIncoming(const QString& sourceId);

    // --- Candidate ---------------------------------------------------------------------------------
    /// The bundle a differing analysis offered (set by analyzeIncoming's result, or directly).
    void setIncomingBundle(std::shared_ptr<const Bundle> bundle, const QString& label);
    const NamedBundle& incomingBundle() const { return m_incoming; }
    /// A file the operator chose (accepted by rotation::loadCandidateFile): wins over the incoming
    /// bundle until cleared.
    void setCandidateFile(std::shared_ptr<const Bundle> bundle, const QString& path);
    void clearCandidateFile();
    bool candidateIsFile() const { return m_file.bundle != nullptr; }
    /// What a probe or a rotation would use: the chosen file, else the incoming bundle.
    const NamedBundle& candidate() const { return m_file.bundle ? m_file : m_incoming; }

    // --- Probes ------------------------------------------------------------------------------------
    /// The one way a probe plan is run: makes it (a child of `owner`, else of the workspace) for the
    /// caller to connect to and start(). When it ends the workspace records a "probe" per probe that ran
    /// and the "probe-plan" (named `source`: who ran it), keeps the verdict and emits probeFinished —
    /// before the caller's own connections to the plan's finished().
    ProbePlan* newProbePlan(const QString& source, QList<ProbeTarget> targets, QList<PlanBundle> bundles,
                            ProbePlan::Settings settings, QObject* owner = nullptr);
    /// The last plan that ended (Incomplete before any).
    const PlanVerdict& lastVerdict() const { return m_lastVerdict; }
    const QList<ProbeResult>& lastProbeResults() const { return m_lastResults; }

    // --- Rotations ---------------------------------------------------------------------------------
    /// Resumes every open rotation found in `settings.stateDir`, each a rotation::Rotation owned by the
    /// workspace and locked by it. The state files are read and their bundles parsed on the pool
    /// (Rotation::loadOpen); the rotations are made here. `done` gets the state files that did not load
    /// or resume, in plain words (dropped if the workspace dies first). Never blocks.
    void resumeRotations(const rotation::Rotation::Settings& settings, std::function<void(QStringList)> done);
    QList<rotation::Rotation*> rotations() const;

    // --- Audit -------------------------------------------------------------------------------------
    /// Where every record goes; not owned. Null: nothing is recorded.
    void setAuditLog(AuditLog* log);
    AuditLog* auditLog() const;
    /// Appends a record made by one of the builders; a refusal is also emitted as auditRefused().
    /// Ok (nothing written) without a log.
    Result<std::monostate> record(const audit::AuditRecord& record);

Q_SIGNALS:
    void storeFileChanged(const QString& path, const certrotor::SourceUpdate& update);
    void sourceUpdated(const QString& sourceId, const certrotor::SourceUpdate& update);
    void sourceStatusChanged(const QString& sourceId, certrotor::Source::Status status, const QString& error);
    /// A differing or matching analysis of `analysis.sourceId` (differs() tells which).
    void incomingAnalyzed(const certrotor::IncomingAnalysis& analysis);
    /// setCurrentStore() was called; `contentChanged` when the bundle differs (a verdict is void).
    void currentStoreChanged(bool contentChanged);
    /// The incoming bundle or the chosen file was set; `contentChanged` when candidate() differs.
    void candidateChanged(bool contentChanged);
    void probeFinished(const certrotor::PlanVerdict& verdict);
    /// A record was refused by the log (a secret-looking field, no event) or could not be written.
    void auditRefused(const QString& error);
    void auditWriteFailed(const QString& error);

private:
    const Clock& m_clock;
    int m_expiryWarningDays = 30;
    int m_debounceMs = 50;
    std::shared_ptr<BundleCache> m_cache;
    TrustStoreProvider* m_storeFiles = nullptr; // the store files' watchers
    TrustStoreProvider* m_sources = nullptr;
    NamedBundle m_current;
    NamedBundle m_incoming;
    NamedBundle m_file;
    quint64 m_analysisSeq = 0;
    PlanVerdict m_lastVerdict;
    QList<ProbeResult> m_lastResults;
    std::vector<std::unique_ptr<rotation::Rotation>> m_rotations;
    QPointer<AuditLog> m_audit;
};

} // namespace certrotor
