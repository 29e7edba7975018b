/// Why a model could not be imported; every description is one line naming the file (or option) and the problem.
public struct ImportError: UserFacingError, Equatable {
    /// The file or option the error is about, as the user gave it.
    public let subject: String
    /// What is wrong, without the subject.
    public let problem: String

    /// Makes an error about `subject`.
    public init(_ subject: String, _ problem: String) {
        self.subject = subject
        self.problem = problem
    }

    /// "<subject>: <problem>".
    public var description: String { "\(subject): \(problem)" }
}

/// A size or setting out of its range: "--nhid must be an integer from 1 to 2147483648, got 0".
public struct RangeError: UserFacingError, Equatable {
    /// The flag (or budget field) as the user writes it.
    public let flag: String
    /// What it must be ("an integer from 1 to 64").
    public let requirement: String
    /// The value given, as written back to the user.
    public let given: String

    /// Makes the error.
    public init(_ flag: String, mustBe requirement: String, got given: String) {
        self.flag = flag
        self.requirement = requirement
        self.given = given
    }

    public var description: String { "\(flag) must be \(requirement), got \(given)" }
}
