// SPDX-License-Identifier: GPL-3.0-or-later
#include "RotatePanel.h"

#include "GuiLog.h"
#include "MessageBanner.h"
#include "ReasonDialog.h"
#include "RotationModel.h"
#include "rotation/Workspace.h"

#include <QComboBox>
#include <QDateTime>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace certrotor::gui {

using rotation::DestinationOutcome;
using rotation::DestinationState;
using rotation::Outcome;
using rotation::Phase;
using rotation::Rotation;

namespace {

enum DestColumn { DestSpecColumn, DestTargetsColumn, DestWaveColumn };

QStringList splitTargets(const QString& cell)
{
    QStringList out;
    for (const QString& part : cell.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString t = part.trimmed();
        if (!t.isEmpty())
            out << t;
    }
    return out;
}

} // namespace

RotatePanel::RotatePanel(MessageBanner* banner, QWidget* parent) : QWidget(parent), m_banner(banner)
{
    setObjectName(QStringLiteral("rotatePanel"));
    qRegisterMetaType<Outcome>();
    qRegisterMetaType<rotation::TargetStatus>();
    buildUi();
    updateActions();
}

RotatePanel::~RotatePanel()
{
    // A confirmation in flight ends now; the commit it confirms stays (the state file says so).
    if (m_rotation && m_rotation->isBusy())
        m_rotation->cancel();
}

void RotatePanel::buildUi()
{
    auto* layout = new QVBoxLayout(this);

    // 1. What to stage, and where.
    auto* stageBox = new QGroupBox(tr("Stage"), this);
    auto* stageLayout = new QVBoxLayout(stageBox);
    auto* candidateRow = new QHBoxLayout;
    m_candidateLabel = new QLabel(
        tr("No candidate yet: an incoming bundle (Incoming tab) or a file chosen in the Probe tab."), stageBox);
    m_candidateLabel->setObjectName(QStringLiteral("rotateCandidateLabel"));
    m_candidateLabel->setWordWrap(true);
    candidateRow->addWidget(m_candidateLabel, 1);
    auto* modeLabel = new QLabel(tr("&Mode"), stageBox);
    m_mode = new QComboBox(stageBox);
    m_mode->setObjectName(QStringLiteral("rotateModeCombo"));
    m_mode->addItem(tr("Overlap, then retire (safe)"), int(Rotation::Mode::Overlap));
    m_mode->addItem(tr("Replace in one step"), int(Rotation::Mode::Replace));
    modeLabel->setBuddy(m_mode);
    candidateRow->addWidget(modeLabel);
    candidateRow->addWidget(m_mode);
    stageLayout->addLayout(candidateRow);

    m_destinations = new QTableWidget(0, 3, stageBox);
    m_destinations->setObjectName(QStringLiteral("rotateDestinationsTable"));
    m_destinations->setHorizontalHeaderLabels({ tr("Destination (file, secret://NS/NAME#KEY, configmap://…)"),
                                                tr("Targets (HOST:PORT[;servername=NAME], comma separated; empty: "
                                                   "the Probe tab's)"),
                                                tr("Wave") });
    m_destinations->horizontalHeader()->setSectionResizeMode(DestSpecColumn, QHeaderView::Stretch);
    m_destinations->horizontalHeader()->setSectionResizeMode(DestTargetsColumn, QHeaderView::Stretch);
    m_destinations->horizontalHeader()->setSectionResizeMode(DestWaveColumn, QHeaderView::ResizeToContents);
    m_destinations->verticalHeader()->hide();
    m_destinations->setMaximumHeight(fontMetrics().height() * 7);
    stageLayout->addWidget(m_destinations);

    const auto makeButton = [this](const QString& key, const QString& text, QWidget* parent) {
        auto* b = new QPushButton(text, parent);
        b->setObjectName(key + QStringLiteral("Button"));
        m_buttons.insert(key, b);
        return b;
    };
    const auto makeReason = [this](const QString& key, QWidget* parent) {
        auto* l = new QLabel(parent);
        l->setObjectName(key + QStringLiteral("ReasonLabel"));
        l->setEnabled(false); // the palette's disabled text: secondary, readable on light and dark
        l->setWordWrap(true);
        m_reasons.insert(key, l);
        return l;
    };

    auto* stageButtons = new QHBoxLayout;
    auto* addRow = new QPushButton(tr("Add destination"), stageBox);
    addRow->setObjectName(QStringLiteral("addDestinationButton"));
    auto* removeRow = new QPushButton(tr("Remove"), stageBox);
    removeRow->setObjectName(QStringLiteral("removeDestinationButton"));
    stageButtons->addWidget(addRow);
    stageButtons->addWidget(removeRow);
    stageButtons->addStretch();
    stageButtons->addWidget(makeReason(QStringLiteral("stage"), stageBox), 1);
    stageButtons->addWidget(makeButton(QStringLiteral("dryRun"), tr("&Dry run"), stageBox));
    stageButtons->addWidget(makeButton(QStringLiteral("stage"), tr("&Stage"), stageBox));
    stageLayout->addLayout(stageButtons);
    layout->addWidget(stageBox);

    // 2. The rotation: one row per destination, its targets and the bytes it changes.
    auto* rotationBox = new QGroupBox(tr("Rotation"), this);
    auto* rotationLayout = new QVBoxLayout(rotationBox);
    m_rotationLabel = new QLabel(tr("Nothing staged."), rotationBox);
    m_rotationLabel->setObjectName(QStringLiteral("rotationLabel"));
    m_rotationLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rotationLayout->addWidget(m_rotationLabel);
    m_model = new RotationModel(this);
    m_view = new QTableView(rotationBox);
    m_view->setObjectName(QStringLiteral("rotationTableView"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    auto* split = new QSplitter(Qt::Horizontal, rotationBox);
    split->setObjectName(QStringLiteral("rotateSplitter"));
    m_targetsModel = new TargetStatusModel(this);
    m_targetsView = new QTableView(split);
    m_targetsView->setObjectName(QStringLiteral("rotateTargetsTableView"));
    m_targetsView->setModel(m_targetsModel);
    m_targetsView->verticalHeader()->hide();
    m_targetsView->horizontalHeader()->setStretchLastSection(true);
    m_diff = new QPlainTextEdit(split);
    m_diff->setObjectName(QStringLiteral("rotateDiffEdit"));
    m_diff->setReadOnly(true);
    m_diff->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_diff->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_diff->setPlaceholderText(tr("The bytes a step writes show here (dry run or stage)."));
    split->addWidget(m_targetsView);
    split->addWidget(m_diff);
    auto* vsplit = new QSplitter(Qt::Vertical, rotationBox);
    vsplit->addWidget(m_view);
    vsplit->addWidget(split);
    rotationLayout->addWidget(vsplit, 1);

    // A conflict: what changed, and the way out.
    auto* conflictFrame = new QFrame(rotationBox);
    conflictFrame->setObjectName(QStringLiteral("conflictFrame"));
    conflictFrame->setFrameShape(QFrame::StyledPanel);
    m_conflict = conflictFrame;
    auto* conflictLayout = new QHBoxLayout(m_conflict);
    m_conflictLabel = new QLabel(m_conflict);
    m_conflictLabel->setObjectName(QStringLiteral("conflictLabel"));
    m_conflictLabel->setWordWrap(true);
    m_conflictLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    conflictLayout->addWidget(m_conflictLabel, 1);
    conflictLayout->addWidget(makeButton(QStringLiteral("restage"), tr("Re-&stage"), m_conflict));
    m_conflict->hide();
    rotationLayout->addWidget(m_conflict);

    // 3. The actions, each with the core's reason when it is not allowed now.
    auto* actions = new QGridLayout;
    int row = 0;
    for (const auto& [key, text] : { std::pair { QStringLiteral("commit"), tr("&Commit") },
                                     std::pair { QStringLiteral("confirm"), tr("Con&firm") },
                                     std::pair { QStringLiteral("retire"), tr("&Retire old CA") },
                                     std::pair { QStringLiteral("rollback"), tr("Roll &back") } }) {
        actions->addWidget(makeButton(key, text, rotationBox), row, 0);
        actions->addWidget(makeReason(key, rotationBox), row, 1);
        ++row;
    }
    auto* misc = new QHBoxLayout;
    misc->addWidget(makeButton(QStringLiteral("override"), tr("&Override with a reason…"), rotationBox));
    misc->addWidget(makeButton(QStringLiteral("cancel"), tr("Cancel"), rotationBox));
    misc->addWidget(makeButton(QStringLiteral("discard"), tr("Discard"), rotationBox));
    misc->addStretch();
    actions->addLayout(misc, row, 0, 1, 2);
    actions->setColumnStretch(1, 1);
    rotationLayout->addLayout(actions);
    m_busy = new QProgressBar(rotationBox);
    m_busy->setObjectName(QStringLiteral("rotateBusyBar"));
    m_busy->setRange(0, 0);
    m_busy->setMaximumHeight(fontMetrics().height() / 2 + 2);
    m_busy->setTextVisible(false);
    m_busy->hide();
    rotationLayout->addWidget(m_busy);
    m_result = new QLabel(rotationBox);
    m_result->setObjectName(QStringLiteral("rotateResultLabel"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rotationLayout->addWidget(m_result);
    m_log = new QListWidget(rotationBox);
    m_log->setObjectName(QStringLiteral("rotateLogList"));
    m_log->setMaximumHeight(fontMetrics().height() * 6);
    rotationLayout->addWidget(m_log);
    layout->addWidget(rotationBox, 1);

    connect(addRow, &QPushButton::clicked, this,
            [this] { addDestinationRow(m_defaultDestination ? m_defaultDestination() : QString(), {}, 0); });
    connect(removeRow, &QPushButton::clicked, this, [this] {
        const int r = m_destinations->currentRow();
        if (r >= 0)
            m_destinations->removeRow(r);
        updateActions();
    });
    connect(m_destinations, &QTableWidget::itemChanged, this, &RotatePanel::updateActions);
    connect(m_buttons.value(QStringLiteral("dryRun")), &QPushButton::clicked, this, [this] { stage(true); });
    connect(m_buttons.value(QStringLiteral("stage")), &QPushButton::clicked, this, [this] { stage(false); });
    connect(m_buttons.value(QStringLiteral("commit")), &QPushButton::clicked, this, &RotatePanel::commitNextWave);
    connect(m_buttons.value(QStringLiteral("confirm")), &QPushButton::clicked, this, &RotatePanel::confirm);
    connect(m_buttons.value(QStringLiteral("retire")), &QPushButton::clicked, this, &RotatePanel::retire);
    connect(m_buttons.value(QStringLiteral("rollback")), &QPushButton::clicked, this, &RotatePanel::rollback);
    connect(m_buttons.value(QStringLiteral("cancel")), &QPushButton::clicked, this, &RotatePanel::cancel);
    connect(m_buttons.value(QStringLiteral("discard")), &QPushButton::clicked, this, &RotatePanel::discard);
    connect(m_buttons.value(QStringLiteral("override")), &QPushButton::clicked, this, &RotatePanel::askOverride);
    connect(m_buttons.value(QStringLiteral("restage")), &QPushButton::clicked, this, &RotatePanel::restage);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        refreshTargets();
        refreshDiff();
        updateActions();
    });
}

void RotatePanel::setWorkspace(Workspace* workspace)
{
    m_workspace = workspace;
    if (!workspace)
        return;
    const auto showCandidate = [this] {
        const auto& c = m_workspace->candidate();
        if (!c.bundle) {
            m_candidateLabel->setText(
                tr("No candidate yet: an incoming bundle (Incoming tab) or a file chosen in the Probe tab."));
        } else {
            m_candidateLabel->setText(
                tr("Candidate: <b>%1</b> — %n certificate(s)", nullptr, int(c.bundle->entries.size()))
                    .arg(c.label.toHtmlEscaped()));
        }
        updateActions();
    };
    connect(workspace, &Workspace::candidateChanged, this, showCandidate);
    showCandidate();
}

void RotatePanel::addDestinationRow(const QString& spec, const QString& targets, int wave)
{
    const QSignalBlocker block(m_destinations);
    const int r = m_destinations->rowCount();
    m_destinations->insertRow(r);
    m_destinations->setItem(r, DestSpecColumn, new QTableWidgetItem(spec));
    m_destinations->setItem(r, DestTargetsColumn, new QTableWidgetItem(targets));
    m_destinations->setItem(r, DestWaveColumn, new QTableWidgetItem(QString::number(wave + 1)));
    updateActions();
}

void RotatePanel::setDestinations(const QList<Rotation::DestinationSpec>& destinations)
{
    m_destinations->setRowCount(0);
    for (const auto& d : destinations)
        addDestinationRow(d.spec, d.targets.join(QStringLiteral(", ")), d.wave);
}

QList<Rotation::DestinationSpec> RotatePanel::destinations() const
{
    QList<Rotation::DestinationSpec> out;
    for (int r = 0; r < m_destinations->rowCount(); ++r) {
        const auto text = [&](int c) {
            return m_destinations->item(r, c) ? m_destinations->item(r, c)->text().trimmed() : QString();
        };
        Rotation::DestinationSpec d;
        d.spec = text(DestSpecColumn);
        if (d.spec.isEmpty())
            continue;
        d.targets = splitTargets(text(DestTargetsColumn));
        if (d.targets.isEmpty() && m_defaultTargets)
            d.targets = m_defaultTargets();
        bool ok = false;
        const int wave = text(DestWaveColumn).toInt(&ok);
        d.wave = ok && wave > 0 ? wave - 1 : 0;
        d.confirmDeadlineMs = m_options.confirmDeadlineMs;
        out << d;
    }
    return out;
}

void RotatePanel::setMode(Rotation::Mode mode)
{
    m_mode->setCurrentIndex(m_mode->findData(int(mode)));
}

Rotation::Settings RotatePanel::rotationSettings() const
{
    Rotation::Settings s;
    if (m_workspace) {
        s.clock = &m_workspace->clock();
        s.audit = m_workspace->auditLog();
        s.expiryWarningDays = m_workspace->expiryWarningDays();
    }
    s.actor = QStringLiteral("console");
    s.probe.timeoutMs = m_options.probeTimeoutMs;
    s.confirmDeadlineMs = m_options.confirmDeadlineMs;
    s.confirmInitialBackoffMs = m_options.confirmInitialBackoffMs;
    s.confirmMaxBackoffMs = m_options.confirmMaxBackoffMs;
    s.committer.backupsKept = m_options.backupsKept;
    s.stateDir = m_options.stateDir;
    return s;
}

Rotation* RotatePanel::makeRotation()
{
    auto* r = new Rotation(rotationSettings(), this);
    return r;
}

void RotatePanel::adopt(Rotation* r)
{
    if (m_rotation && m_rotation != r)
        disconnect(m_rotation, nullptr, this, nullptr);
    m_rotation = r;
    connect(r, &Rotation::stateChanged, this, &RotatePanel::refresh, Qt::UniqueConnection);
    connect(r, &Rotation::progress, this, [this](const QString& dest, const QString& message) {
        log((dest.isEmpty() ? QString() : QFileInfo(dest).fileName() + QStringLiteral(": ")) + message);
    });
    connect(r, &Rotation::targetUpdated, this, [this](const QString& dest, const rotation::TargetStatus& status) {
        if (dest == selectedDestination())
            m_targetsModel->update(status);
    });
    connect(r, &Rotation::finished, this, &RotatePanel::onFinished);
    refresh();
}

bool RotatePanel::isBusy() const
{
    return (m_rotation && m_rotation->isBusy()) || (m_preview && m_preview->isBusy());
}

bool RotatePanel::stage(bool dryRun)
{
    const auto refuse = [this](const QString& why) {
        if (m_banner)
            m_banner->showMessage(MessageBanner::Kind::Warning, tr("Nothing staged: %1").arg(why));
        log(tr("not staged: %1").arg(why));
        return false;
    };
    if (!m_workspace || !m_workspace->candidate().bundle)
        return refuse(tr("there is no candidate (an incoming bundle, or a file chosen in the Probe tab)."));
    if (isBusy())
        return refuse(tr("a step is running."));
    const QList<Rotation::DestinationSpec> dests = destinations();
    if (dests.isEmpty())
        return refuse(tr("name at least one destination (the store file, or a Secret)."));
    if (!dryRun && m_rotation && m_rotation->isLoaded() && !m_rotation->state().isClosed())
        return refuse(tr("the rotation %1 is open: finish it, or Discard it if nothing was committed.")
                          .arg(m_rotation->state().id));

    Rotation::Request request;
    const auto& c = m_workspace->candidate();
    if (m_workspace->candidateIsFile()) {
        request.candidatePath = c.label;
    } else {
        for (const Certificate& cert : c.bundle->certificates())
            request.candidateBytes += cert.toPem();
        request.candidateName = c.label;
    }
    request.mode = Rotation::Mode(m_mode->currentData().toInt());
    request.destinations = dests;
    request.dryRun = dryRun;
    m_lastRequest = request;
    m_conflict->hide();
    m_problems.clear();

    Rotation* r = makeRotation();
    if (dryRun) {
        delete m_preview;
        m_preview = r;
        connect(r, &Rotation::progress, this, [this](const QString&, const QString& message) { log(message); });
        connect(r, &Rotation::finished, this, &RotatePanel::onFinished);
    } else {
        if (m_rotation && m_rotation->parent() == this && !m_rotation->isBusy()) {
            Rotation* old = m_rotation;
            disconnect(old, nullptr, this, nullptr);
            old->deleteLater(); // closed (or never loaded): its state file stays for the record
        }
        adopt(r);
    }
    m_lastOperation = dryRun ? QStringLiteral("dry run") : QStringLiteral("stage");
    m_retry = {};
    log(dryRun ? tr("dry run of %1 into %n destination(s)…", nullptr, int(dests.size())).arg(c.label)
               : tr("staging %1 into %n destination(s)…", nullptr, int(dests.size())).arg(c.label));
    m_busy->show();
    r->stage(request);
    updateActions();
    return true;
}

bool RotatePanel::stageIncoming()
{
    if (m_destinations->rowCount() == 0 && m_defaultDestination && !m_defaultDestination().isEmpty())
        addDestinationRow(m_defaultDestination(), {}, 0);
    return stage(false);
}

void RotatePanel::run(const QString& operation, std::function<void()> start)
{
    if (!m_rotation || !m_rotation->isLoaded()) {
        if (m_banner)
            m_banner->showMessage(MessageBanner::Kind::Warning, tr("Stage a rotation first."));
        return;
    }
    if (isBusy())
        return;
    m_lastOperation = operation;
    m_retry = start;
    m_conflict->hide();
    m_busy->show();
    log(tr("%1…").arg(operation));
    start();
    updateActions();
}

void RotatePanel::commitNextWave()
{
    const int wave = nextWave();
    if (wave < 0)
        return;
    const QString what = m_rotation->state().mode == QLatin1String("replace") ? tr("replace") : tr("commit overlap");
    run(tr("%1, wave %2").arg(what, m_rotation->waveLabel(wave)), [this, wave] { m_rotation->commitWave(wave); });
}

void RotatePanel::confirm()
{
    run(tr("confirm"), [this] { m_rotation->confirm(); });
}

void RotatePanel::retire()
{
    run(tr("retire"), [this] { m_rotation->retire(); });
}

void RotatePanel::rollback()
{
    run(tr("roll back"), [this] { m_rotation->rollback(); });
}

void RotatePanel::cancel()
{
    if (m_rotation && m_rotation->isBusy())
        m_rotation->cancel();
    if (m_preview && m_preview->isBusy())
        m_preview->cancel();
    log(tr("cancel requested: the step in flight finishes its write, no later step starts"));
}

void RotatePanel::discard()
{
    if (!m_rotation || m_rotation->isBusy())
        return;
    const QString id = m_rotation->state().id;
    if (!m_rotation->discard())
        return;
    log(tr("rotation %1 discarded").arg(id));
    m_model->clear();
    m_targetsModel->setTargets({}, {});
    m_conflict->hide();
    m_rotationLabel->setText(tr("Nothing staged."));
    refreshDiff();
    updateActions();
}

void RotatePanel::overrideWith(const QString& reason)
{
    if (!m_rotation || isBusy())
        return;
    m_rotation->setOverrideReason(reason);
    log(tr("override: %1").arg(reason));
    if (m_retry && m_lastOutcome.code == QLatin1String("policy")) {
        const auto retry = m_retry;
        run(m_lastOperation + tr(" (override)"), retry);
    } else {
        commitNextWave();
    }
}

void RotatePanel::askOverride()
{
    QStringList violations;
    QString action = m_lastOperation;
    if (m_lastOutcome.code == QLatin1String("policy")) {
        for (const DestinationOutcome& d : m_lastOutcome.destinations)
            for (const auto& v : d.violations)
                violations << v.message;
    } else if (m_rotation) {
        action = tr("Commit");
        for (const DestinationOutcome& d : m_rotation->previews())
            for (const auto& v : d.violations)
                violations << v.message;
    }
    auto* dialog = new ReasonDialog(action, violations, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { overrideWith(dialog->reason()); });
    dialog->open();
    Q_EMIT reasonRequested(dialog);
}

void RotatePanel::restage()
{
    if (isBusy() || m_lastRequest.destinations.isEmpty())
        return;
    if (m_rotation && m_rotation->isLoaded()) {
        const bool committed
            = std::any_of(m_rotation->state().destinations.cbegin(), m_rotation->state().destinations.cend(),
                          [](const DestinationState& d) { return d.history.size() > 1; });
        if (committed) {
            if (m_banner)
                m_banner->showMessage(MessageBanner::Kind::Warning,
                                      tr("The rotation %1 already committed: roll it back, or resolve the conflict at "
                                         "the destination, before staging again.")
                                          .arg(m_rotation->state().id));
            return;
        }
        m_rotation->discard();
    }
    stage(false);
}

void RotatePanel::resumeOpen()
{
    if (!m_workspace)
        return;
    // The state files are read and parsed on the pool; the panel picks the rotation up when they are.
    m_workspace->resumeRotations(rotationSettings(),
                                 [panel = QPointer<RotatePanel>(this)](const QStringList& problems) {
                                     if (panel)
                                         panel->pickUpResumed(problems);
                                 });
}

void RotatePanel::pickUpResumed(const QStringList& problems)
{
    for (const QString& p : problems)
        log(p);
    if (!problems.isEmpty() && m_banner)
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("Some rotations could not be resumed:\n%1").arg(problems.join(QLatin1Char('\n'))));
    Rotation* newest = nullptr;
    for (Rotation* r : m_workspace->rotations()) {
        if (r->isLoaded() && !r->state().isClosed() && (!newest || r->state().updatedAt > newest->state().updatedAt))
            newest = r;
    }
    if (!newest) {
        Q_EMIT resumed();
        return;
    }
    adopt(newest);
    log(tr("picked up the open rotation %1 (%2)").arg(newest->state().id, newest->statePath()));
    m_lastRequest.destinations.clear();
    for (const DestinationState& d : newest->state().destinations)
        m_lastRequest.destinations << Rotation::DestinationSpec { d.id, d.targets, d.wave, d.waveName,
                                                                  d.confirmDeadlineMs };
    setDestinations(m_lastRequest.destinations);
    if (newest->isBusy()) {
        m_busy->show();
        m_lastOperation = QStringLiteral("resume");
    }
    Q_EMIT resumed();
}

void RotatePanel::onFinished(const Outcome& outcome)
{
    m_lastOutcome = outcome;
    if (m_rotation && !m_rotation->settings().overrideReason.isEmpty() && outcome.operation != QLatin1String("stage"))
        m_rotation->setOverrideReason({}); // an override is for one step
    m_busy->setVisible(isBusy());
    for (const DestinationOutcome& d : outcome.destinations) {
        if (d.ok)
            m_problems.remove(d.destination);
        else
            m_problems.insert(d.destination, d.message);
    }
    QStringList conflicts;
    for (const DestinationOutcome& d : outcome.destinations) {
        if (d.code == QLatin1String("conflict"))
            conflicts << d.destination + QStringLiteral(": ") + d.message;
    }
    if (conflicts.isEmpty() && outcome.code == QLatin1String("conflict"))
        conflicts << outcome.message;
    if (!conflicts.isEmpty()) {
        m_conflictLabel->setText(tr("<b>Conflict</b> — the destination changed since it was staged; nothing was "
                                    "written.<br>%1")
                                     .arg(conflicts.join(QStringLiteral("<br>"))
                                              .toHtmlEscaped()
                                              .replace(QStringLiteral("&lt;br&gt;"), QStringLiteral("<br>"))));
        m_conflict->show();
    }
    if (outcome.code != QLatin1String("policy"))
        m_retry = {};
    const QString verb = outcome.operation.isEmpty() ? m_lastOperation : outcome.operation;
    if (outcome.ok) {
        m_result->setText(tr("✔ %1: %2").arg(verb, outcome.message.isEmpty() ? tr("done") : outcome.message));
    } else {
        m_result->setText(tr("✘ %1: %2").arg(verb, outcome.message));
        if (m_banner)
            m_banner->showMessage(outcome.code == QLatin1String("cancelled") ? MessageBanner::Kind::Info
                                                                             : MessageBanner::Kind::Warning,
                                  tr("%1 did not go through: %2").arg(verb, outcome.message));
    }
    if (outcome.auditFailed && m_banner)
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("An audit record of %1 could not be written: see the Audit tab.").arg(verb));
    log(m_result->text());
    refresh();
    Q_EMIT operationFinished(outcome);
}

void RotatePanel::refresh()
{
    Rotation* shown = m_rotation && m_rotation->isLoaded() ? m_rotation.data() : nullptr;
    if (!shown) {
        if (m_model->rowCount() > 0 && !m_preview)
            m_model->clear();
        refreshDiff();
        updateActions();
        return;
    }
    QHash<int, QString> labels;
    for (int w : shown->waves())
        labels.insert(w, shown->waveLabel(w));
    const QString selected = selectedDestination();
    m_model->setState(shown->state(), labels, m_problems);
    const rotation::RotationState& st = shown->state();
    QStringList phases;
    for (const DestinationState& d : st.destinations)
        phases << rotation::phaseName(d.phase);
    phases.removeDuplicates();
    m_rotationLabel->setText(tr("Rotation %1 — %2, candidate %3 (sha256 %4…), %5; state: %6")
                                 .arg(st.id, st.mode, st.candidateName, st.candidateSha256.left(12),
                                      phases.join(QStringLiteral(", ")), shown->statePath()));
    const int row = m_model->rowOf(selected);
    if (row >= 0 || m_model->rowCount() > 0) {
        const QModelIndex idx = m_model->index(row >= 0 ? row : 0, 0);
        if (m_view->selectionModel()->currentIndex().row() != idx.row())
            m_view->selectionModel()->setCurrentIndex(idx,
                                                      QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    refreshTargets();
    refreshDiff();
    updateActions();
}

QString RotatePanel::selectedDestination() const
{
    const QModelIndex idx = m_view->selectionModel()->currentIndex();
    return idx.isValid() ? idx.data(RotationModel::DestinationIdRole).toString() : QString();
}

void RotatePanel::refreshTargets()
{
    const DestinationState* d = m_model->destinationAt(m_view->selectionModel()->currentIndex().row());
    if (!d) {
        m_targetsModel->setTargets({}, {});
        return;
    }
    m_targetsModel->setTargets(d->targets, d->targetStatus);
}

void RotatePanel::refreshDiff()
{
    // The dry run's previews when it is the latest word, else the staged rotation's.
    const bool preview = m_preview && m_lastOperation == QLatin1String("dry run");
    const Rotation* r = preview ? m_preview : m_rotation.data();
    QStringList parts;
    if (r) {
        const QString selected = selectedDestination();
        for (const DestinationOutcome& p : r->previews()) {
            if (!preview && !selected.isEmpty() && p.destination != selected)
                continue;
            QString head
                = tr("%1 — %2 → %3 certificates").arg(p.destination).arg(p.certificatesBefore).arg(p.certificatesAfter);
            if (!p.added.isEmpty())
                head += tr("; adds %1").arg(p.added.join(QStringLiteral(", ")));
            if (!p.removed.isEmpty())
                head += tr("; removes %1").arg(p.removed.join(QStringLiteral(", ")));
            if (!p.verdict.isEmpty())
                head += QStringLiteral("\n") + tr("gate: %1").arg(p.verdict);
            for (const auto& v : p.violations)
                head += QStringLiteral("\n") + tr("rule %1: %2").arg(v.rule, v.message);
            parts << head + QStringLiteral("\n") + (p.diff.isEmpty() ? tr("(no byte changes)") : p.diff.unified);
        }
    }
    const QString text = parts.join(QStringLiteral("\n\n"));
    if (m_diff->toPlainText() != text)
        m_diff->setPlainText(text);
}

int RotatePanel::nextWave() const
{
    if (!m_rotation || !m_rotation->isLoaded())
        return -1;
    int wave = -1;
    for (const DestinationState& d : m_rotation->state().destinations) {
        if ((d.phase == Phase::Staged || d.phase == Phase::RolledBack) && (wave < 0 || d.wave < wave))
            wave = d.wave;
    }
    return wave;
}

void RotatePanel::updateActions()
{
    const bool busy = isBusy();
    const bool loaded = m_rotation && m_rotation->isLoaded();
    const bool hasCandidate = m_workspace && m_workspace->candidate().bundle;
    QString stageWhy;
    if (busy)
        stageWhy = tr("a step is running");
    else if (!hasCandidate)
        stageWhy = tr("no candidate yet");
    else if (destinations().isEmpty())
        stageWhy = tr("add a destination");
    const bool openRotation = loaded && !m_rotation->state().isClosed();
    m_buttons.value(QStringLiteral("dryRun"))->setEnabled(stageWhy.isEmpty());
    m_buttons.value(QStringLiteral("stage"))->setEnabled(stageWhy.isEmpty() && !openRotation);
    if (stageWhy.isEmpty() && openRotation)
        stageWhy = tr("a rotation is open (Discard it if nothing was committed)");
    m_reasons.value(QStringLiteral("stage"))->setText(stageWhy);

    QString commitWhy, confirmWhy, retireWhy, rollbackWhy;
    bool commit = false, confirmOk = false, retireOk = false, rollbackOk = false;
    bool blockedByPolicy = false;
    if (!loaded) {
        commitWhy = confirmWhy = retireWhy = rollbackWhy = tr("nothing staged");
    } else {
        const int wave = nextWave();
        if (wave < 0) {
            commitWhy = tr("every destination is committed");
        } else {
            commit = true;
            for (const DestinationState& d : m_rotation->state().destinations) {
                if (d.wave != wave)
                    continue;
                const Rotation::Allowed a = m_rotation->allowed(d.id);
                if (!a.commit) {
                    commit = false;
                    commitWhy = QFileInfo(d.id).fileName() + QStringLiteral(": ") + a.commitWhy;
                    blockedByPolicy = blockedByPolicy || a.commitWhy.contains(QLatin1String("override"));
                }
            }
            if (commit)
                commitWhy = tr("writes wave %1").arg(m_rotation->waveLabel(wave));
        }
        QString firstConfirm, firstRetire, firstRollback;
        for (const DestinationState& d : m_rotation->state().destinations) {
            const Rotation::Allowed a = m_rotation->allowed(d.id);
            confirmOk = confirmOk || a.confirm;
            retireOk = retireOk || a.retire;
            rollbackOk = rollbackOk || a.rollback;
            if (firstConfirm.isEmpty())
                firstConfirm = a.confirmWhy;
            if (firstRetire.isEmpty())
                firstRetire = a.retireWhy;
            if (firstRollback.isEmpty())
                firstRollback = a.rollbackWhy;
        }
        confirmWhy = confirmOk ? QString() : firstConfirm;
        retireWhy = retireOk ? tr("checked against every target first: refused while one serves an old-CA chain")
                             : firstRetire;
        rollbackWhy = rollbackOk ? QString() : firstRollback;
    }
    const auto set = [this](const QString& key, bool enabled, const QString& why) {
        m_buttons.value(key)->setEnabled(enabled);
        m_reasons.value(key)->setText(why);
        m_buttons.value(key)->setToolTip(why);
    };
    set(QStringLiteral("commit"), commit && !busy, busy && loaded ? tr("a step is running") : commitWhy);
    set(QStringLiteral("confirm"), confirmOk && !busy, confirmWhy);
    set(QStringLiteral("retire"), retireOk && !busy, retireWhy);
    set(QStringLiteral("rollback"), rollbackOk && !busy, rollbackWhy);
    const bool canOverride
        = loaded && !busy && ((m_lastOutcome.code == QLatin1String("policy") && m_retry) || blockedByPolicy);
    m_buttons.value(QStringLiteral("override"))->setEnabled(canOverride);
    m_buttons.value(QStringLiteral("cancel"))->setEnabled(busy);
    m_buttons.value(QStringLiteral("discard"))->setEnabled(loaded && !busy);
    m_buttons.value(QStringLiteral("restage"))->setEnabled(!busy);
}

void RotatePanel::log(const QString& line)
{
    m_log->addItem(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss ")) + line);
    while (m_log->count() > 500)
        delete m_log->takeItem(0);
    m_log->scrollToBottom();
}

QString RotatePanel::diffText() const
{
    return m_diff->toPlainText();
}

QString RotatePanel::conflictText() const
{
    return m_conflictLabel->text();
}

bool RotatePanel::conflictShown() const
{
    return !m_conflict->isHidden();
}

QString RotatePanel::resultText() const
{
    return m_result->text();
}

QPushButton* RotatePanel::button(const QString& action) const
{
    return m_buttons.value(action);
}

QString RotatePanel::reasonFor(const QString& action) const
{
    const QLabel* l = m_reasons.value(action);
    return l ? l->text() : QString();
}

} // namespace certrotor::gui
