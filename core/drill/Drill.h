// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "rotation/Rotation.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

class QProcess;

namespace certrotor {
class AuditLog;
struct AuditEntry;
} // namespace certrotor

namespace certrotor::drill {

/// One step of a drill: what should happen, what did, how long it took, and what it left in the audit log.
struct Step {
    QString id; // "sandbox", "servers", "replace-refused", "overlap", "early-retire", "switch", "retire", "rollback"
    QString title;
    QString expected;
    QString observed;
    bool ok = false;
    qint64 startedMs = 0; // since the drill started
    qint64 durationMs = 0;
    QStringList auditEvents; // the records the step wrote, in order
    QStringList probeIds; // the probes the step's confirmation ran (the servers log them)
    QList<rotation::TargetStatus> targets; // per target after the step, when it probed

    QJsonObject toJson() const;
};

/// What a drill leaves: every step, expected against observed, and where to look.
struct Report {
    bool ok = false;
    bool setupFailed = false; // the sandbox or a helper could not be set up (exit 2)
    bool cancelled = false;
    QString error; // the first failure in plain words
    QString dir; // the sandbox
    bool kept = false; // the sandbox stays (else it is removed once the drill ends)
    bool kube = false;
    QString store; // the destination rotated (a file or secret://…)
    QStringList targets; // "name HOST:PORT"
    QString oldRootSha256, newRootSha256, clientCaSha256;
    QString auditLog;
    QString auditLastMac, auditMacAlg;
    qint64 auditRecords = 0;
    bool auditVerified = false;
    qint64 totalMs = 0;
    QList<Step> steps;

    QJsonObject toJson() const;
    QString toMarkdown() const;
};

/// A rehearsal of a whole CA rotation in a throwaway world: a sandbox PKI (old and new root CAs with
/// intermediates, server certificates from each, a client CA for mTLS), real gRPC servers on loopback
/// (certrotor-drill-server, one of them requiring a client certificate) and, with `kube`, the Kubernetes API
/// helper holding the trust bundle in a Secret. The procedure runs through the rotation core
/// (rotation::Rotation, actor "drill", every record marked drill) and each step is checked against what
/// must happen: replace refused while the servers serve old chains, overlap committed and confirmed, a
/// too-early retire refused naming the targets, the servers switched to new-CA certificates and confirmed
/// anchored by the new CA, retire confirmed, one rollback whose probes follow.
///
/// Asynchronous: start() returns at once; key generation and file work run off the caller's thread, the
/// helpers are driven by signals. finished(Report) comes once, after every helper has stopped. Helpers
/// started by a drill die with it (they get SIGTERM when the process that started them dies).
class Drill : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString dir; // the sandbox: absent or empty; "" = a new temporary directory
        bool kube = false; // the trust bundle lives in a Secret on the Kubernetes API helper
        bool keep = false; // keep the sandbox afterwards (the report names it)
        QString helperDir; // "" = helpers::directory()
        quint16 port = 0; // first port of the helpers (api, payments, kube API follow); 0 = any free ports
        int serverRefreshSecs = 1; // how often the servers re-read their certificate files
        int switchDeadlineMs = 20000; // the servers must serve the new chains within this
        bool pauseBetweenSteps = false; // wait for proceed() after each step that went as expected (the console)
    };

    explicit Drill(Options options, QObject* parent = nullptr);
    ~Drill() override; // stops every helper still running

    void start();
    /// Stops after the operation in flight; the report marks the drill cancelled.
    void cancel();
    /// With pauseBetweenSteps: runs the next step (after waitingForOperator()). Ignored otherwise.
    void proceed();
    bool isRunning() const { return m_running; }
    bool isWaiting() const { return m_waiting; }
    /// The steps a drill runs, in order, with what each must show (id, title, expected), before any ran.
    QList<Step> plannedSteps() const;
    /// Process ids of the helpers running now.
    QList<qint64> helperPids() const;
    const Options& options() const { return m_options; }

Q_SIGNALS:
    void stepStarted(const QString& id, const QString& title);
    void stepFinished(const certrotor::drill::Step& step);
    /// With pauseBetweenSteps: a step went as expected and the next one (`nextId`) waits for proceed().
    void waitingForOperator(const QString& nextId, const QString& nextTitle);
    void finished(const certrotor::drill::Report& report);

private:
    struct Helper;
    struct Sandbox;
    using Next = std::function<void(bool ok)>;
    struct StepDef {
        QString id, title, expected;
        std::function<void(Next)> run;
    };

    Step& step() { return m_report.steps.last(); }
    void fail(Step& step, const QString& observed);
    void runStep(int index);
    void endStep(bool ok);
    void sealStep(bool ok);
    void setupError(const QString& message);
    void finish();
    void finishAudited();
    void release();

    void buildSandbox(Next next);
    void startServers(Next next);
    void startHelper(const QString& name, const QString& program, const QStringList& args, Next next);
    void helperExited(Helper* helper, const QString& how);
    void stopHelpers(std::function<void()> done);
    /// Starts one rotation operation and hands its outcome to `done` on a later turn of the event loop.
    void runOp(rotation::Rotation* rotation, const std::function<void()>& start,
               std::function<void(const rotation::Outcome&)> done);
    rotation::Rotation::Settings rotationSettings() const;
    rotation::Rotation::Request request(rotation::Rotation::Mode mode) const;

    void replaceRefused(Next next);
    void stage(Next next);
    void overlap(Next next);
    void earlyRetire(Next next);
    void switchServers(Next next);
    void confirmUntilNew(Next next);
    void retire(Next next);
    void rollback(Next next);

    /// Records the outcome's probe ids and target statuses in the running step.
    void note(const rotation::Outcome& outcome);
    /// "" when every target of `outcome` verifies anchored by `side` (or any side when empty), else what did not.
    QString targetsProblem(const rotation::Outcome& outcome, const QString& side) const;
    QString targetsText(const QList<rotation::TargetStatus>& targets) const;
    QString targetName(const QString& target) const;
    QString path(const QString& relative) const;
    void auditDrill(const QString& event, QJsonObject data);

    Options m_options;
    QString m_dir;
    bool m_ownsDir = false; // the drill made the directory (else it only fills an empty one)
    bool m_filled = false; // the sandbox holds the drill's files (removed afterwards unless keep)
    bool m_running = false;
    bool m_finishing = false;
    bool m_cancel = false;
    bool m_waiting = false;
    QString m_serverProgram, m_kubeProgram;
    std::vector<StepDef> m_defs;
    int m_current = -1;
    Report m_report;
    QElapsedTimer m_clock;
    std::vector<std::unique_ptr<Helper>> m_helpers;
    QString m_helperDied; // plain words, once a helper exited on its own
    std::unique_ptr<AuditLog> m_audit;
    bool m_collecting = false; // audit records go to the running step
    QString m_sealEvent; // the drill record that closes the running step ("" = none pending)
    std::unique_ptr<rotation::Rotation> m_rotation; // the rotation the drill drives
    std::unique_ptr<rotation::Rotation> m_replace; // the refused replace (discarded)
    QPointer<rotation::Rotation> m_busy; // the rotation whose operation is in flight
    ClientIdentity m_client; // the mTLS probes' certificate and key (from the sandbox)
    QTimer* m_sealTimer = nullptr;
    QString m_originalSha, m_overlapSha, m_newSha; // SHA-256 of the store's versions
    QStringList m_targets; // "127.0.0.1:PORT"
    QStringList m_targetNames; // "api", "payments"
    qint64 m_switchStartedMs = 0;
};

} // namespace certrotor::drill

Q_DECLARE_METATYPE(certrotor::drill::Step)
Q_DECLARE_METATYPE(certrotor::drill::Report)
