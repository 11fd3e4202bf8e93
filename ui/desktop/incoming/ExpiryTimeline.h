// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/BundleDiff.h"

#include <QList>
#include <QRectF>
#include <QWidget>

namespace certrotor {
struct IncomingAnalysis;
}

namespace certrotor::gui {

/// The validity of each CA of a rotation as horizontal bars on one time axis: old (leaving the
/// store), new (arriving) and kept certificates, the overlap window(s) where old and new are both
/// valid shaded, today and the warning threshold marked. Hovering shows the dates.
/// The geometry is public so tests can check what is drawn where.
class ExpiryTimeline : public QWidget {
    Q_OBJECT
public:
    enum class Origin { Old, New, Kept };
    struct Bar {
        QString label;
        qint64 start = 0;
        qint64 end = 0;
        Origin origin = Origin::Kept;
    };

    /// At most this many bars are drawn; the rest are counted in a note.
    static constexpr int kMaxBars = 40;

    explicit ExpiryTimeline(QWidget* parent = nullptr);

    void setAnalysis(const IncomingAnalysis& analysis);
    void setTimeline(QList<Bar> bars, QList<Overlap::Window> windows, qint64 now, int thresholdDays,
                     int hiddenBars = 0);

    const QList<Bar>& bars() const { return m_bars; }
    const QList<Overlap::Window>& windows() const { return m_windows; }

    QRectF plotRect() const;
    qreal xForTime(qint64 secs) const;
    qint64 timeForX(qreal x) const;
    QRectF barRect(int i) const;
    /// The first overlap window across the whole plot height (empty when there is none).
    QRectF overlapRect() const;
    QList<QRectF> overlapRects() const;
    qreal todayX() const { return xForTime(m_now); }
    qreal thresholdX() const { return xForTime(m_now + qint64(m_thresholdDays) * 86400); }
    qint64 rangeStart() const { return m_t0; }
    qint64 rangeEnd() const { return m_t1; }
    /// The tooltip text for a point, as shown on hover ("" when nothing is there).
    QString toolTipAt(const QPointF& pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    int labelWidth() const;
    int rowHeight() const;
    int axisHeight() const;
    int legendHeight() const;

    QList<Bar> m_bars;
    QList<Overlap::Window> m_windows;
    qint64 m_now = 0;
    int m_thresholdDays = 30;
    int m_hidden = 0;
    qint64 m_t0 = 0;
    qint64 m_t1 = 1;
};

} // namespace certrotor::gui
