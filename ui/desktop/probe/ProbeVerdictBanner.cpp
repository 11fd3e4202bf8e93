// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeVerdictBanner.h"

#include <QLabel>

namespace certrotor::gui {

ProbeVerdictBanner::ProbeVerdictBanner(QWidget* parent) : MessageBanner(parent)
{
    setObjectName(QStringLiteral("probeVerdictFrame"));
    setClosable(false);
    QLabel* label = textLabel();
    label->setObjectName(QStringLiteral("probeVerdictLabel"));
    label->setAccessibleName(tr("Verdict"));
    QFont big = label->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.2);
    label->setFont(big);
    detailsLabel()->setObjectName(QStringLiteral("probeVerdictDetailsLabel"));
    detailsLabel()->setAccessibleName(tr("Verdict details"));
}

void ProbeVerdictBanner::showVerdict(const PlanVerdict& verdict)
{
    switch (verdict.kind) {
    case PlanVerdict::Kind::CandidateWorks:
    case PlanVerdict::Kind::OverlapWorks:
        showMessage(Kind::Success, tr("✔ Passed: ") + verdict.text);
        break;
    case PlanVerdict::Kind::CandidateFails:
        showMessage(Kind::Error, tr("✘ Failed: ") + verdict.text);
        break;
    case PlanVerdict::Kind::Incomplete:
        showMessage(Kind::Neutral, tr("Incomplete: ") + verdict.text);
        break;
    }
    setDetails(verdict.details.join(QLatin1Char('\n')));
    describe();
}

void ProbeVerdictBanner::showRunning(int targets, const QStringList& bundles)
{
    showMessage(Kind::Info, tr("Probing %n target(s)…", nullptr, targets));
    setDetails(tr("Bundles: %1").arg(bundles.join(QStringLiteral(", "))));
    describe();
}

void ProbeVerdictBanner::showNoVerdict(const QString& text)
{
    showMessage(Kind::Neutral, text);
    describe();
}

void ProbeVerdictBanner::describe()
{
    setAccessibleDescription(text());
}

} // namespace certrotor::gui
