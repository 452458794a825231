Console.Error.WriteLine("Splitwise.LoadTest: not implemented yet.");
return 2;
