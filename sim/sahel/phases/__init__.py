"""The phases of :meth:`sim.sahel.model.SahelModel.step`, one module each, in this order:
timeline, perceive, fight, harm, civilians, control, record."""
