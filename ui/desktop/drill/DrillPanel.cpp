// SPDX-License-Identifier: GPL-3.0-or-later
#include "DrillPanel.h"

#include "DrillStepsModel.h"
#include "MessageBanner.h"
#include "util/AsyncTask.h"

#include <QCheckBox>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace certrotor::gui {

DrillPanel::DrillPanel(MessageBanner* banner, QWidget* parent) : QWidget(parent), m_banner(banner)
{
    setObjectName(QStringLiteral("drillPanel"));
    qRegisterMetaType<drill::Step>();
    qRegisterMetaType<drill::Report>();
    buildUi();
    // The steps are known before anything runs: show what a drill will do.
    m_model->setPlan(drill::Drill(drill::Drill::Options {}).plannedSteps());
    m_progress->setRange(0, m_model->rowCount());
    updateButtons();
}

DrillPanel::~DrillPanel()
{
    stop();
}

void DrillPanel::buildUi()
{
    auto* layout = new QVBoxLayout(this);
    auto* intro
        = new QLabel(tr("A drill rehearses a whole CA rotation in a throwaway sandbox: a new PKI, two real gRPC "
                        "servers on loopback (one with mTLS), optionally a Kubernetes Secret. It stages, "
                        "commits the overlap, tries to retire too early, switches the servers to the new CA, "
                        "retires and rolls back — through the same rotation core as a real one, with its own "
                        "audit log. Nothing outside the sandbox is touched."),
                     this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* row = new QHBoxLayout;
    m_pause = new QCheckBox(tr("&Pause after each step"), this);
    m_pause->setObjectName(QStringLiteral("drillPauseCheckBox"));
    m_pause->setChecked(true);
    m_kube = new QCheckBox(tr("Trust bundle in a Kubernetes &Secret"), this);
    m_kube->setObjectName(QStringLiteral("drillKubeCheckBox"));
    m_start = new QPushButton(tr("S&tart drill"), this);
    m_start->setObjectName(QStringLiteral("drillStartButton"));
    m_next = new QPushButton(tr("&Next step"), this);
    m_next->setObjectName(QStringLiteral("drillNextButton"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("drillCancelButton"));
    row->addWidget(m_pause);
    row->addWidget(m_kube);
    row->addStretch();
    row->addWidget(m_start);
    row->addWidget(m_next);
    row->addWidget(m_cancel);
    layout->addLayout(row);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("drillProgressBar"));
    m_progress->setFormat(tr("%v of %m steps"));
    layout->addWidget(m_progress);
    m_status = new QLabel(tr("Ready."), this);
    m_status->setObjectName(QStringLiteral("drillStatusLabel"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_model = new DrillStepsModel(this);
    m_view = new QTableView(split);
    m_view->setObjectName(QStringLiteral("drillStepsTableView"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setSectionResizeMode(DrillStepsModel::NumberColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(DrillStepsModel::StepColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(DrillStepsModel::VerdictColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(DrillStepsModel::ExpectedColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setSectionResizeMode(DrillStepsModel::ObservedColumn, QHeaderView::Stretch);
    m_pages = new QTabWidget(split);
    m_pages->setObjectName(QStringLiteral("drillPagesTabWidget"));
    m_details = new QPlainTextEdit(m_pages);
    m_details->setObjectName(QStringLiteral("drillDetailsEdit"));
    m_details->setReadOnly(true);
    m_details->setPlaceholderText(tr("Select a step to see what it must show and what it did."));
    m_reportEdit = new QPlainTextEdit(m_pages);
    m_reportEdit->setObjectName(QStringLiteral("drillReportEdit"));
    m_reportEdit->setReadOnly(true);
    m_reportEdit->setPlaceholderText(tr("The report (report.md in the sandbox) shows here when the drill ends."));
    m_pages->addTab(m_details, tr("Step"));
    m_pages->addTab(m_reportEdit, tr("Report"));
    split->addWidget(m_view);
    split->addWidget(m_pages);
    layout->addWidget(split, 1);

    connect(m_start, &QPushButton::clicked, this, &DrillPanel::start);
    connect(m_next, &QPushButton::clicked, this, &DrillPanel::proceed);
    connect(m_cancel, &QPushButton::clicked, this, &DrillPanel::cancel);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showStep(current.row()); });
}

void DrillPanel::setPauseBetweenSteps(bool pause)
{
    m_pause->setChecked(pause);
}

void DrillPanel::setKube(bool kube)
{
    m_kube->setChecked(kube);
}

bool DrillPanel::start()
{
    if (isRunning()) {
        if (m_banner)
            m_banner->showMessage(MessageBanner::Kind::Warning, tr("A drill is running already."));
        return false;
    }
    drill::Drill::Options options;
    options.dir = m_sandboxDir;
    options.kube = m_kube->isChecked();
    options.keep = true; // the report stays, in the sandbox
    options.helperDir = m_helperDir;
    options.pauseBetweenSteps = m_pause->isChecked();
    m_sandboxDir.clear(); // a sandbox serves one drill
    m_drill = std::make_unique<drill::Drill>(options);
    m_model->setPlan(m_drill->plannedSteps());
    m_progress->setRange(0, m_model->rowCount());
    m_progress->setValue(0);
    m_details->clear();
    m_reportEdit->clear();
    m_pages->setCurrentWidget(m_details);
    connect(m_drill.get(), &drill::Drill::stepStarted, this, [this](const QString& id, const QString& title) {
        m_model->markRunning(id);
        m_status->setText(tr("Running: %1…").arg(title));
        const int row = m_model->rowOf(id);
        m_view->selectionModel()->setCurrentIndex(m_model->index(row, 0),
                                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        updateButtons();
    });
    connect(m_drill.get(), &drill::Drill::stepFinished, this, [this](const drill::Step& step) {
        m_model->finish(step);
        m_progress->setValue(m_model->passedCount());
        showStep(m_model->rowOf(step.id));
        updateButtons();
    });
    connect(m_drill.get(), &drill::Drill::waitingForOperator, this, [this](const QString& id, const QString& title) {
        m_model->markWaiting(id);
        const int row = m_model->rowOf(id);
        const drill::Step* next = m_model->stepAt(row);
        m_status->setText(tr("Next: %1 — it must show: %2. Press Next step when ready.")
                              .arg(title, next ? next->expected : QString()));
        updateButtons();
        m_next->setFocus(Qt::OtherFocusReason);
    });
    connect(m_drill.get(), &drill::Drill::finished, this, &DrillPanel::onFinished);
    m_status->setText(tr("Starting…"));
    m_drill->start();
    updateButtons();
    return true;
}

void DrillPanel::proceed()
{
    if (m_drill && m_drill->isWaiting()) {
        m_drill->proceed();
        updateButtons();
    }
}

void DrillPanel::cancel()
{
    if (m_drill && m_drill->isRunning()) {
        m_drill->cancel();
        m_status->setText(tr("Cancelling after the step in flight…"));
    }
}

void DrillPanel::stop()
{
    if (!m_drill)
        return;
    m_drill->cancel();
    disconnect(m_drill.get(), nullptr, this, nullptr);
    m_drill.reset(); // kills every helper still running
    updateButtons();
}

void DrillPanel::onFinished(const drill::Report& report)
{
    m_report = report;
    m_model->endRun();
    m_progress->setValue(m_model->passedCount());
    QString status;
    if (report.ok)
        status = tr("✔ Every step behaved as expected (%1 ms).").arg(report.totalMs);
    else if (report.cancelled)
        status = tr("Cancelled: %1").arg(report.error);
    else
        status = tr("✘ %1").arg(report.error);
    if (!report.dir.isEmpty())
        status += QLatin1Char(' ') + tr("Report: %1/report.md").arg(report.dir);
    m_status->setText(status);
    m_reportEdit->setPlainText(report.toMarkdown());
    m_pages->setCurrentWidget(m_reportEdit);
    if (!report.ok && m_banner)
        m_banner->showMessage(report.cancelled ? MessageBanner::Kind::Info : MessageBanner::Kind::Warning,
                              tr("The drill did not pass: %1").arg(report.error));
    updateButtons();
    Q_EMIT finished(report);
}

void DrillPanel::showStep(int row)
{
    const drill::Step* s = m_model->stepAt(row);
    if (!s)
        return;
    m_pages->setCurrentWidget(m_details);
    QStringList lines;
    lines << tr("Step %1: %2").arg(row + 1).arg(s->title);
    lines << tr("Must happen: %1").arg(s->expected);
    if (m_model->state(row) == DrillStepsModel::State::Passed
        || m_model->state(row) == DrillStepsModel::State::Failed) {
        lines << tr("Happened: %1").arg(s->observed.isEmpty() ? tr("as expected") : s->observed);
        lines << tr("Verdict: %1 (%2 ms)").arg(s->ok ? tr("as expected") : tr("NOT as expected")).arg(s->durationMs);
        if (!s->auditEvents.isEmpty())
            lines << tr("Audit records: %1").arg(s->auditEvents.join(QStringLiteral(", ")));
        if (!s->probeIds.isEmpty())
            lines << tr("Probes: %1").arg(s->probeIds.join(QStringLiteral(", ")));
        for (const auto& t : s->targets)
            lines << tr("  %1: %2, anchored by %3%4")
                         .arg(t.target, t.ok ? tr("verifies") : tr("fails"),
                              t.anchoredBy.isEmpty() ? QStringLiteral("—") : t.anchoredBy,
                              t.error.isEmpty() ? QString() : QStringLiteral(" — ") + t.error);
    }
    m_details->setPlainText(lines.join(QLatin1Char('\n')));
}

void DrillPanel::showSavedReport(const QString& dir)
{
    struct Saved {
        QJsonObject report;
        QString markdown;
    };
    // Read off the GUI thread (the sandbox may sit on a slow disk); bounded in size.
    runThenCallback(
        this,
        [dir] {
            Saved saved;
            QFile file(dir + QStringLiteral("/report.json"));
            if (file.open(QIODevice::ReadOnly) && file.size() < 4 * 1024 * 1024)
                saved.report = QJsonDocument::fromJson(file.readAll()).object();
            QFile md(dir + QStringLiteral("/report.md"));
            if (md.open(QIODevice::ReadOnly) && md.size() < 4 * 1024 * 1024)
                saved.markdown = QString::fromUtf8(md.readAll());
            return saved;
        },
        [this, dir](const Saved& saved) {
            const QJsonArray steps = saved.report.value(QStringLiteral("steps")).toArray();
            if (steps.isEmpty()) {
                m_status->setText(tr("No drill report in %1 (report.json is missing or unreadable).").arg(dir));
                Q_EMIT savedReportShown(false);
                return;
            }
            QList<drill::Step> plan;
            for (const auto& v : steps) {
                const QJsonObject s = v.toObject();
                drill::Step step;
                step.id = s.value(QStringLiteral("id")).toString();
                step.title = s.value(QStringLiteral("title")).toString();
                step.expected = s.value(QStringLiteral("expected")).toString();
                plan << step;
            }
            m_model->setPlan(plan);
            for (int i = 0; i < steps.size(); ++i) {
                const QJsonObject s = steps.at(i).toObject();
                drill::Step step = plan.at(i);
                step.observed = s.value(QStringLiteral("observed")).toString();
                step.ok = s.value(QStringLiteral("ok")).toBool();
                step.durationMs = s.value(QStringLiteral("durationMs")).toInteger();
                for (const auto& e : s.value(QStringLiteral("auditEvents")).toArray())
                    step.auditEvents << e.toString();
                for (const auto& e : s.value(QStringLiteral("probeIds")).toArray())
                    step.probeIds << e.toString();
                m_model->finish(step);
            }
            m_model->endRun();
            m_progress->setRange(0, m_model->rowCount());
            m_progress->setValue(m_model->passedCount());
            m_status->setText(tr("The report of the drill kept in %1 (%2).")
                                  .arg(dir,
                                       saved.report.value(QStringLiteral("ok")).toBool()
                                           ? tr("every step as expected")
                                           : tr("a step did not behave as expected")));
            m_reportEdit->setPlainText(saved.markdown);
            m_pages->setCurrentWidget(m_reportEdit);
            Q_EMIT savedReportShown(true);
        });
}

void DrillPanel::updateButtons()
{
    const bool running = isRunning();
    m_start->setEnabled(!running);
    m_pause->setEnabled(!running);
    m_kube->setEnabled(!running);
    m_next->setEnabled(m_drill && m_drill->isWaiting());
    m_cancel->setEnabled(running);
}

QString DrillPanel::detailsText() const
{
    return m_details->toPlainText();
}

QString DrillPanel::reportText() const
{
    return m_reportEdit->toPlainText();
}

QString DrillPanel::statusText() const
{
    return m_status->text();
}

} // namespace certrotor::gui
