// SPDX-License-Identifier: GPL-3.0-or-later
#include "ExpiryTimeline.h"

#include "UiStyle.h"
#include "rotation/IncomingAnalysis.h"
#include "util/Clock.h"

#include <QDate>
#include <QDateTime>
#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QSet>
#include <QToolTip>

#include <algorithm>

namespace certrotor::gui {

namespace {

QColor withAlpha(QColor c, int alpha)
{
    c.setAlpha(alpha);
    return c;
}

QColor originColor(ExpiryTimeline::Origin o)
{
    switch (o) {
    case ExpiryTimeline::Origin::Old:
        return accentColor(Accent::OldCa);
    case ExpiryTimeline::Origin::New:
        return accentColor(Accent::NewCa);
    case ExpiryTimeline::Origin::Kept:
        return accentColor(Accent::Muted);
    }
    return {};
}

QString originName(ExpiryTimeline::Origin o)
{
    switch (o) {
    case ExpiryTimeline::Origin::Old:
        return QStringLiteral("leaving the store");
    case ExpiryTimeline::Origin::New:
        return QStringLiteral("incoming");
    case ExpiryTimeline::Origin::Kept:
        return QStringLiteral("kept");
    }
    return {};
}

QString day(qint64 secs)
{
    return isoUtc(secs).left(10);
}

} // namespace

ExpiryTimeline::ExpiryTimeline(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("expiryTimelineWidget"));
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void ExpiryTimeline::setAnalysis(const IncomingAnalysis& a)
{
    QList<Bar> bars;
    const auto nameOf = [](const Certificate& c) -> QString {
        const auto& s = c.info().subject;
        return s.commonName.isEmpty() ? s.rfc4514 : s.commonName;
    };
    const auto add = [&](const QList<Certificate>& certs, Origin origin) {
        for (const Certificate& c : certs)
            bars << Bar { nameOf(c), c.info().notBefore, c.info().notAfter, origin };
    };
    // Leaving and arriving CAs matter most in a rotation: they come first if the list is cut.
    add(a.diff.removed, Origin::Old);
    add(a.diff.added, Origin::New);
    add(a.diff.kept, Origin::Kept);
    int hidden = 0;
    if (bars.size() > kMaxBars) {
        hidden = int(bars.size()) - kMaxBars;
        bars.resize(kMaxBars);
    }
    setTimeline(bars, a.overlap.windows, a.now, a.thresholdDays, hidden);
}

void ExpiryTimeline::setTimeline(QList<Bar> bars, QList<Overlap::Window> windows, qint64 now, int thresholdDays,
                                 int hiddenBars)
{
    m_bars = std::move(bars);
    m_windows = std::move(windows);
    m_now = now;
    m_thresholdDays = thresholdDays;
    m_hidden = hiddenBars;
    qint64 lo = now;
    qint64 hi = now + qint64(thresholdDays) * 86400;
    for (const Bar& b : std::as_const(m_bars)) {
        lo = std::min(lo, b.start);
        hi = std::max(hi, b.end);
    }
    const qint64 pad = std::max<qint64>((hi - lo) / 40, 86400);
    // Focus on the hand-over: from a year before today to a year after the warning threshold or the
    // end of the overlap, whichever is later. A ten-year root would otherwise squeeze a 30-day
    // overlap into a few pixels; bars that go beyond the range are clipped and marked with an arrow.
    qint64 focusEnd = now + qint64(thresholdDays) * 86400;
    for (const Overlap::Window& w : std::as_const(m_windows))
        focusEnd = std::max(focusEnd, w.end);
    m_t0 = std::max(lo - pad, now - 365 * qint64(86400));
    m_t1 = std::min(hi + pad, focusEnd + 365 * qint64(86400));
    updateGeometry();
    update();
}

int ExpiryTimeline::labelWidth() const
{
    int w = fontMetrics().horizontalAdvance(QStringLiteral("Sample Root CA"));
    for (const Bar& b : m_bars)
        w = std::max(w, fontMetrics().horizontalAdvance(b.label));
    return std::min(w + 12, std::max(80, width() / 3));
}

int ExpiryTimeline::rowHeight() const
{
    return fontMetrics().height() + 8;
}

int ExpiryTimeline::axisHeight() const
{
    return fontMetrics().height() * 2 + 8;
}

int ExpiryTimeline::legendHeight() const
{
    return fontMetrics().height() + 12;
}

QRectF ExpiryTimeline::plotRect() const
{
    const int rows = std::max<int>(1, int(m_bars.size()));
    const qreal left = labelWidth();
    const qreal top = axisHeight();
    const qreal right = width() - 12;
    return QRectF(left, top, std::max<qreal>(10, right - left), qreal(rows) * rowHeight());
}

qreal ExpiryTimeline::xForTime(qint64 secs) const
{
    const QRectF p = plotRect();
    const double f = double(secs - m_t0) / double(std::max<qint64>(1, m_t1 - m_t0));
    return p.left() + f * p.width();
}

qint64 ExpiryTimeline::timeForX(qreal x) const
{
    const QRectF p = plotRect();
    return m_t0 + qRound64((x - p.left()) / p.width() * double(m_t1 - m_t0));
}

QRectF ExpiryTimeline::barRect(int i) const
{
    if (i < 0 || i >= m_bars.size())
        return {};
    const QRectF p = plotRect();
    const Bar& b = m_bars.at(i);
    const qreal y = p.top() + qreal(i) * rowHeight() + 3;
    const qreal x0 = std::clamp(xForTime(b.start), p.left(), p.right());
    const qreal x1 = std::clamp(xForTime(b.end), p.left(), p.right());
    return QRectF(QPointF(x0, y), QPointF(std::max(x1, x0 + 2), y + rowHeight() - 6));
}

QList<QRectF> ExpiryTimeline::overlapRects() const
{
    QList<QRectF> out;
    const QRectF p = plotRect();
    for (const Overlap::Window& w : m_windows) {
        const qreal x0 = std::clamp(xForTime(w.start), p.left(), p.right());
        const qreal x1 = std::clamp(xForTime(w.end), p.left(), p.right());
        if (x1 > x0)
            out << QRectF(x0, p.top(), x1 - x0, p.height());
    }
    return out;
}

QRectF ExpiryTimeline::overlapRect() const
{
    const QList<QRectF> rects = overlapRects();
    return rects.isEmpty() ? QRectF() : rects.first();
}

QSize ExpiryTimeline::sizeHint() const
{
    return QSize(640, axisHeight() + std::max<int>(1, int(m_bars.size())) * rowHeight() + legendHeight() + 8);
}

QSize ExpiryTimeline::minimumSizeHint() const
{
    return QSize(320, axisHeight() + rowHeight() + legendHeight());
}

QString ExpiryTimeline::toolTipAt(const QPointF& pos) const
{
    for (int i = 0; i < m_bars.size(); ++i) {
        const QRectF r = barRect(i);
        const QRectF rowBand(0, r.top(), width(), r.height());
        if (rowBand.contains(pos) && (pos.x() < plotRect().left() || r.adjusted(-3, 0, 3, 0).contains(pos))) {
            const Bar& b = m_bars.at(i);
            return tr("%1 (%2)\nvalid %3 → %4\n%5 days left")
                .arg(b.label, originName(b.origin), day(b.start), day(b.end))
                .arg(daysUntil(m_now, b.end));
        }
    }
    for (int i = 0; i < m_windows.size(); ++i) {
        const QList<QRectF> rects = overlapRects();
        if (i < rects.size() && rects.at(i).contains(pos)) {
            const Overlap::Window& w = m_windows.at(i);
            return tr("Overlap: old and new CAs both valid\n%1 → %2 (%3 days)")
                .arg(day(w.start), day(w.end))
                .arg((w.end - w.start) / 86400);
        }
    }
    if (plotRect().contains(pos))
        return day(timeForX(pos.x()));
    return {};
}

bool ExpiryTimeline::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

void ExpiryTimeline::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QRectF plot = plotRect();
    const QFontMetrics fm = fontMetrics();
    const QColor text = pal.color(QPalette::Text);
    QColor grid = text;
    grid.setAlpha(40);

    if (m_bars.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No incoming bundle yet"));
        return;
    }

    // Axis: a tick at each year (or month when the range is short), labelled.
    const QDate d0 = QDateTime::fromSecsSinceEpoch(m_t0, Qt::UTC).date();
    const QDate d1 = QDateTime::fromSecsSinceEpoch(m_t1, Qt::UTC).date();
    const qint64 spanDays = d0.daysTo(d1);
    const int monthStep = spanDays > 365 * 12 ? 24
        : spanDays > 365 * 5                  ? 12
        : spanDays > 365 * 2                  ? 6
        : spanDays > 240                      ? 3
                                              : 1;
    QDate tick(d0.year(), d0.month(), 1);
    tick = tick.addMonths(1);
    qreal lastLabelRight = -1e9;
    int guard = 0;
    while (tick <= d1 && guard++ < 400) {
        if ((tick.year() * 12 + tick.month() - 1) % monthStep == 0) {
            const qreal x = xForTime(QDateTime(tick, QTime(0, 0), Qt::UTC).toSecsSinceEpoch());
            p.setPen(grid);
            p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
            const QString label
                = monthStep >= 12 ? QString::number(tick.year()) : tick.toString(QStringLiteral("yyyy-MM"));
            const qreal w = fm.horizontalAdvance(label);
            if (x - w / 2 > lastLabelRight + 6 && x + w / 2 < width()) {
                p.setPen(text);
                p.drawText(QPointF(x - w / 2, plot.top() - 6), label);
                lastLabelRight = x + w / 2;
            }
        }
        tick = tick.addMonths(1);
    }

    // Overlap windows: shaded bands with a hatched border, behind the bars.
    for (const QRectF& r : overlapRects()) {
        p.fillRect(r, withAlpha(accentColor(Accent::Overlap), 60));
        p.fillRect(r, QBrush(withAlpha(accentColor(Accent::Overlap), 90), Qt::BDiagPattern));
        p.setPen(QPen(accentColor(Accent::Overlap), 1.5));
        p.drawLine(r.topLeft(), r.bottomLeft());
        p.drawLine(r.topRight(), r.bottomRight());
        p.drawText(QRectF(r.left(), 2, std::max<qreal>(r.width(), 80), fm.height()), Qt::AlignLeft | Qt::AlignTop,
                   tr("overlap"));
    }

    // Bars.
    for (int i = 0; i < m_bars.size(); ++i) {
        const Bar& b = m_bars.at(i);
        const QRectF r = barRect(i);
        p.setPen(text);
        p.drawText(QRectF(4, r.top() - 3, plot.left() - 8, rowHeight()), Qt::AlignVCenter | Qt::AlignLeft,
                   fm.elidedText(b.label, Qt::ElideRight, int(plot.left()) - 8));
        const QColor c = originColor(b.origin);
        p.setPen(QPen(c.darker(140), 1));
        p.setBrush(c);
        p.drawRoundedRect(r, 3, 3);
        // Clipped ends: an arrow says the validity goes on beyond the drawn range.
        p.setPen(Qt::NoPen);
        p.setBrush(c.darker(150));
        const qreal a = r.height() / 2;
        if (b.end > m_t1)
            p.drawPolygon(QPolygonF({ QPointF(r.right() - a, r.top()), QPointF(r.right(), r.center().y()),
                                      QPointF(r.right() - a, r.bottom()) }));
        if (b.start < m_t0)
            p.drawPolygon(QPolygonF({ QPointF(r.left() + a, r.top()), QPointF(r.left(), r.center().y()),
                                      QPointF(r.left() + a, r.bottom()) }));
    }

    // Today and the warning threshold.
    const qreal tx = todayX();
    p.setPen(QPen(pal.color(QPalette::Highlight).lighter(130), 2));
    p.drawLine(QPointF(tx, plot.top() - 2), QPointF(tx, plot.bottom() + 2));
    p.setPen(QPen(accentColor(Accent::WarningLine), 2, Qt::DashLine));
    const qreal hx = thresholdX();
    p.drawLine(QPointF(hx, plot.top() - 2), QPointF(hx, plot.bottom() + 2));

    // Legend.
    qreal lx = 4;
    const qreal ly = plot.bottom() + 8;
    const auto legend = [&](const QColor& c, const QString& label, Qt::PenStyle style = Qt::NoPen) {
        if (style == Qt::NoPen) {
            p.setPen(Qt::NoPen);
            p.setBrush(c);
            p.drawRoundedRect(QRectF(lx, ly + 2, 18, fm.height() - 4), 2, 2);
        } else {
            p.setPen(QPen(c, 2, style));
            p.drawLine(QPointF(lx + 9, ly), QPointF(lx + 9, ly + fm.height()));
        }
        p.setPen(text);
        p.drawText(QPointF(lx + 22, ly + fm.ascent()), label);
        lx += 22 + fm.horizontalAdvance(label) + 16;
    };
    legend(originColor(Origin::Old), tr("leaving"));
    legend(originColor(Origin::New), tr("incoming"));
    legend(originColor(Origin::Kept), tr("kept"));
    legend(withAlpha(accentColor(Accent::Overlap), 120), tr("overlap"));
    legend(pal.color(QPalette::Highlight).lighter(130), tr("today"), Qt::SolidLine);
    legend(accentColor(Accent::WarningLine), tr("warning (%1 d)").arg(m_thresholdDays), Qt::DashLine);
    if (m_hidden > 0)
        legend(Qt::transparent, tr("+%1 more not drawn").arg(m_hidden));
}

} // namespace certrotor::gui
