"""Networks as the service runs them: the stored document opened as engine objects
(:mod:`.codec`), which outputs and targets each loss can read (:mod:`.pairing`), the phase
state machine (:mod:`.phases`), training runs and their stop flags
(:mod:`.training`), predict and gradcheck (:mod:`.analysis`), export and import
(:mod:`.transfer`), and the public view of a network (:mod:`.views`)."""
